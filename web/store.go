package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors of the [Store].
var (
	ErrNotFound  = errors.New("share not found")
	ErrForbidden = errors.New("wrong owner token")
)

// A Store keeps shares in an SQLite database reached through
// database/sql: a local file through modernc.org/sqlite ([OpenStore],
// native builds only), or Cloudflare D1 ([NewStore] with [D1], in the
// worker). The schema, its migrations and every query are the same for
// both. It is safe for concurrent use. With [OpenStore], writes go
// through one connection (SQLite has one writer anyway), reads through a
// pool; the database is in WAL mode, so reads never wait for the writer.
type Store struct {
	write   *sql.DB
	read    *sql.DB
	dialect Dialect
}

// A Dialect is what a Store's database can do beyond plain statements.
type Dialect int

const (
	// SQLite is a database/sql SQLite with transactions (modernc.org/sqlite).
	SQLite Dialect = iota
	// D1 is Cloudflare D1 through github.com/syumai/workers/cloudflare/d1,
	// which has no transactions: each statement commits on its own.
	D1
)

// NewStore returns a Store over db, whose schema it brings up to date
// first. Closing the Store closes db.
func NewStore(ctx context.Context, db *sql.DB, dialect Dialect) (*Store, error) {
	s := &Store{write: db, read: db, dialect: dialect}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// migrations are the schema's versions, in order: migration i+1 brings
// the schema from version i to i+1. Applied migrations are recorded in
// schema_migrations; a migration never changes once released.
var migrations = []string{
	// 1: shares, content-addressed and immutable.
	`CREATE TABLE shares (
		id         TEXT PRIMARY KEY,
		document   TEXT NOT NULL,
		token_hash BLOB NOT NULL,
		created_at TEXT NOT NULL
	) STRICT`,
}

// Close closes the database. Every committed share is on disk.
func (s *Store) Close() error {
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// SchemaVersion is the number of migrations applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`

func (s *Store) migrate(ctx context.Context) error {
	if s.dialect == D1 {
		return s.migrateNoTx(ctx)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createMigrations); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return err
	}
	if have > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// migrateNoTx is migrate for a database without transactions (D1): the
// same migrations, each followed by its record. A migration that fails
// because a concurrent caller applied it first (its record is there now)
// is not an error. A schema that is already current costs one query.
func (s *Store) migrateNoTx(ctx context.Context) error {
	have, err := s.version(ctx)
	if err != nil {
		if _, cerr := s.write.ExecContext(ctx, createMigrations); cerr != nil {
			return cerr
		}
		if have, err = s.version(ctx); err != nil {
			return err
		}
	}
	if have > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if _, err := s.write.ExecContext(ctx, migrations[v-1]); err != nil {
			if s.appliedMeanwhile(ctx, v) {
				continue
			}
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := s.write.ExecContext(ctx, `INSERT OR IGNORE INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}

// appliedMeanwhile reports whether migration v, which just failed, was
// applied by a concurrent caller: its record appears within a second
// (the other caller runs the migration, then writes the record).
func (s *Store) appliedMeanwhile(ctx context.Context, v int) bool {
	for range 50 {
		if now, err := s.version(ctx); err == nil && now >= v {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

func (s *Store) version(ctx context.Context) (int, error) {
	var v int
	err := s.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Create stores the normalized document d under its ID. The first
// creator of a content gets created = true and the owner token; later
// creators of the same content get the same ID, created = false and no
// token. Create returns only after the transaction committed.
func (s *Store) Create(ctx context.Context, d *Document) (id, token string, created bool, err error) {
	id = d.ID()
	doc, err := json.Marshal(d)
	if err != nil {
		return "", "", false, err
	}
	var raw [24]byte
	rand.Read(raw[:])
	token = base64.RawURLEncoding.EncodeToString(raw[:])
	hash := sha256.Sum256([]byte(token))
	res, err := s.write.ExecContext(ctx,
		`INSERT INTO shares (id, document, token_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		id, string(doc), hash[:], time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return "", "", false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", "", false, err
	}
	if n == 0 {
		return id, "", false, nil
	}
	return id, token, true, nil
}

// Get returns the document stored under id, as stored (JSON), or
// ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) ([]byte, error) {
	var doc string
	err := s.read.QueryRowContext(ctx, `SELECT document FROM shares WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return []byte(doc), nil
}

// Delete removes the share id if token is its owner token. It returns
// ErrNotFound for an unknown id and ErrForbidden for a wrong token. The
// token check and the deletion are one statement, so it needs no
// transaction (D1 has none).
func (s *Store) Delete(ctx context.Context, id, token string) error {
	hash := sha256.Sum256([]byte(token))
	res, err := s.write.ExecContext(ctx, `DELETE FROM shares WHERE id = ? AND token_hash = ?`, id, hash[:])
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var one int
	err = s.write.QueryRowContext(ctx, `SELECT 1 FROM shares WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return ErrForbidden
}
