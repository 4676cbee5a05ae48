package web

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// The D1 dialect (no transactions) over a native SQLite: concurrent
// first uses migrate once, and the store behaves as with OpenStore.
func TestNewStoreNoTx(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d1.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() {
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				errs[i] = err
				return
			}
			stores[i], errs[i] = NewStore(ctx, db, D1)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	st := stores[0]
	if v, err := st.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	var n int
	if err := st.read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Errorf("%d migration records, %v", n, err)
	}
	d := &Document{Profile: "debian"}
	id, token, created, err := st.Create(ctx, d)
	if err != nil || !created || token == "" {
		t.Fatalf("create: %v %v %q", err, created, token)
	}
	if id2, tok2, created2, err := stores[1].Create(ctx, d); err != nil || created2 || tok2 != "" || id2 != id {
		t.Errorf("create again: %q %q %v %v", id2, tok2, created2, err)
	}
	if _, err := stores[2].Get(ctx, id); err != nil {
		t.Errorf("get: %v", err)
	}
	if err := st.Delete(ctx, id, "wrong"); !errors.Is(err, ErrForbidden) {
		t.Errorf("delete with a wrong token: %v", err)
	}
	if err := st.Delete(ctx, id, token); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := st.Delete(ctx, id, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete again: %v", err)
	}
}
