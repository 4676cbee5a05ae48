package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// requireJSON answers 415 unless r's Content-Type is application/json.
func requireJSON(w http.ResponseWriter, r *http.Request) bool {
	if mediaType(r) != "application/json" {
		httpError(w, r, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	return true
}

// apiEvaluate is POST /api/evaluate: the wasm module's evaluate, natively.
// The body is a wire.Input; the answer a wire.Output, 200 when requests
// were decided, 400 with {"error"} when the input as a whole was refused.
func (s *server) apiEvaluate(w http.ResponseWriter, r *http.Request) {
	s.apiPolicy(w, r, true, func(ctx context.Context, in wire.Input) (any, string, error) {
		out, err := wire.EvaluateContext(ctx, in)
		return out, out.Error, err
	})
}

// apiCheck is POST /api/check: the tables' diagnostics (wire.Check) for a
// wire.Input whose requests are ignored.
func (s *server) apiCheck(w http.ResponseWriter, r *http.Request) {
	s.apiPolicy(w, r, false, func(ctx context.Context, in wire.Input) (any, string, error) {
		out, err := wire.CheckContext(ctx, in.Policy)
		return out, out.Error, err
	})
}

// apiFormat is POST /api/format: the tables in the canonical layout.
func (s *server) apiFormat(w http.ResponseWriter, r *http.Request) {
	s.apiPolicy(w, r, false, func(_ context.Context, in wire.Input) (any, string, error) {
		out := wire.Format(in.Policy)
		return out, out.Error, nil
	})
}

// apiDiff is POST /api/diff: the requests the input's "old" tables decide
// otherwise than its own tables (wire.Diff); requests are ignored. An
// input without old tables, or tables too large to compare, is a 400.
func (s *server) apiDiff(w http.ResponseWriter, r *http.Request) {
	s.apiPolicy(w, r, false, func(ctx context.Context, in wire.Input) (any, string, error) {
		out, err := wire.DiffContext(ctx, in)
		return out, out.Error, err
	})
}

// apiPolicy answers a JSON call on a wire.Input: 415 for another content
// type, 413 past the body limit (or, with work set, the work bound of its
// requests), 400 for bad JSON or an input refused as a whole, 503 when
// the request's context ended the call (wire.ErrCanceled: past
// Config.WorkTimeout), otherwise 200 with the answer.
func (s *server) apiPolicy(w http.ResponseWriter, r *http.Request, work bool, call func(context.Context, wire.Input) (any, string, error)) {
	if !requireJSON(w, r) {
		return
	}
	body, code, msg := readBody(w, r, MaxEvaluateSize)
	if code != 0 {
		httpError(w, r, code, msg)
		return
	}
	var in wire.Input
	if err := decodeStrict(body, &in); err != nil {
		httpError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if work {
		if err := checkWork(in.Allow, in.Deny, in.Files, len(in.Requests)); err != nil {
			httpError(w, r, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
	}
	release, err := s.acquire(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out, errMsg, err := func() (any, string, error) {
		defer release()
		return call(r.Context(), in)
	}()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if errMsg != "" {
		writeJSON(w, http.StatusBadRequest, out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// created is the answer to POST /api/shares.
type created struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Token is the owner token, given only to the share's first creator.
	Token string `json:"token,omitempty"`
}

// apiCreate is POST /api/shares: 201 with the owner token when the
// content is new, 200 without a token when it was already shared.
func (s *server) apiCreate(w http.ResponseWriter, r *http.Request) {
	if !requireJSON(w, r) {
		return
	}
	body, code, msg := readBody(w, r, MaxShareSize)
	if code != 0 {
		httpError(w, r, code, msg)
		return
	}
	d, err := decodeDocument(body)
	if err != nil {
		httpError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if err := d.normalize(); err != nil {
		httpError(w, r, normalizeStatus(err), "invalid share: "+err.Error())
		return
	}
	id, token, isNew, err := s.cfg.Store.Create(r.Context(), d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	res := created{ID: id, URL: s.shareURL(r, id), Token: token}
	w.Header().Set("Location", "/api/shares/"+id)
	if isNew {
		writeJSON(w, http.StatusCreated, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// shareURL is the address of share id's page.
func (s *server) shareURL(r *http.Request, id string) string {
	base := strings.TrimSuffix(s.cfg.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/s/" + id
}

// apiGet is GET /api/shares/{id}: the stored document.
func (s *server) apiGet(w http.ResponseWriter, r *http.Request) {
	_, doc, ok := s.getShare(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// Shares are immutable: the same ID always names the same document.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	w.Write(append(doc, '\n'))
}

// getShare reads the share named by the request's {id}; when it cannot,
// it has answered (400 for a malformed ID, 404, or 500) and ok is false.
func (s *server) getShare(w http.ResponseWriter, r *http.Request) (id string, doc []byte, ok bool) {
	id = r.PathValue("id")
	if !validID(id) {
		httpError(w, r, http.StatusBadRequest, fmt.Sprintf("malformed share id: want %d characters a-z and 2-7", IDLen))
		return id, nil, false
	}
	doc, err := s.cfg.Store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		httpError(w, r, http.StatusNotFound, "share not found")
		return id, nil, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return id, nil, false
	}
	return id, doc, true
}

// apiDelete is DELETE /api/shares/{id} with "Authorization: Bearer
// TOKEN": 204, 401 without a bearer token, 403 with a wrong one, 404 for
// an unknown share.
func (s *server) apiDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		httpError(w, r, http.StatusBadRequest, fmt.Sprintf("malformed share id: want %d characters a-z and 2-7", IDLen))
		return
	}
	if _, code, msg := readBody(w, r, MaxDeleteSize); code != 0 {
		httpError(w, r, code, msg)
		return
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tcpwrap"`)
		httpError(w, r, http.StatusUnauthorized, "the owner token is required: Authorization: Bearer TOKEN")
		return
	}
	switch err := s.cfg.Store.Delete(r.Context(), id, token); {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, http.StatusNotFound, "share not found")
	case errors.Is(err, ErrForbidden):
		httpError(w, r, http.StatusForbidden, "wrong owner token")
	case err != nil:
		s.serverError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// decodeStrict reads one JSON object into v: unknown fields and data
// after the object are errors.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON: data after the object")
	}
	return nil
}

// normalizeStatus is the status for an error of Document.normalize: 413
// past MaxWork, 400 otherwise.
func normalizeStatus(err error) int {
	if _, ok := errors.AsType[*workError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}
