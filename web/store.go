package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Errors of the [Store].
var (
	ErrNotFound  = errors.New("share not found")
	ErrForbidden = errors.New("wrong owner token")
)

// A Store keeps shares in an SQLite database. It is safe for concurrent
// use. Writes go through one connection (SQLite has one writer anyway),
// reads through a pool; the database is in WAL mode, so reads never wait
// for the writer.
type Store struct {
	write *sql.DB
	read  *sql.DB
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

// OpenStore opens (creating it if needed) the database at path and
// brings its schema up to date.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + url.Values{"_pragma": {
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)",
	}, "_txlock": {"immediate"}}.Encode()
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	s := &Store{write: write, read: read}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database. Every committed share is on disk.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// SchemaVersion is the number of migrations applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
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
// ErrNotFound for an unknown id and ErrForbidden for a wrong token.
func (s *Store) Delete(ctx context.Context, id, token string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var stored []byte
	err = tx.QueryRowContext(ctx, `SELECT token_hash FROM shares WHERE id = ?`, id).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	hash := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(stored, hash[:]) != 1 {
		return ErrForbidden
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE id = ?`, id); err != nil {
		return err
	}
	return tx.Commit()
}
