package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzAPI sends any body to every POST endpoint of the JSON API and the
// form pages. Whatever a stranger sends, the server answers a defined
// status (never 500), in JSON for the API, and a share it acknowledges
// can be read back with the same document.
func FuzzAPI(f *testing.F) {
	for _, s := range []string{
		`{"requests":[]}`, `{"allow":`, `[1,2]`, `{"alow":"x"}`, `{} {}`, `{"requests":[{"daemon":1}]}`,
		`{"profile":"solaris","requests":[]}`, `{"files":{"etc/x":""},"requests":[]}`,
		`{"allow":"sshd: ALL: spawn echo %a\n","deny":"ALL: ALL\n","hosts":"10.0.0.1 a\n","requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`,
		`{"allow":"ALL: /etc/x\n","files":{"/etc/x":"/etc/x\n"},"requests":[{"daemon":"a","client":"a@b"}]}`,
		`{"allow":"# c \\\nsshd: ALL\n","profile":"freebsd","netgroup":"g (a,,)\n","requests":[{"daemon":"sshd@1.2.3.4","client":"u@[::1]"}]}`,
		`allow=sshd%3A+ALL&deny=&requests=sshd+10.0.0.1`,
	} {
		f.Add(s)
	}
	h, _ := newTestServer(f, Config{})
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/api/evaluate", "/api/check", "/api/format", "/api/diff", "/api/shares"} {
			res := do(t, h, "POST", path, jsonCT, body)
			switch res.code {
			case 200, 201, 400, 413, 422:
			default:
				t.Fatalf("POST %s %q: status %d: %s", path, body, res.code, res.body)
			}
			if !json.Valid([]byte(res.body)) {
				t.Fatalf("POST %s %q: the answer is not JSON: %q", path, body, res.body)
			}
			if path == "/api/shares" && res.code == 201 {
				var c createdBody
				if err := json.Unmarshal([]byte(res.body), &c); err != nil || c.ID == "" {
					t.Fatalf("share created without an ID: %s", res.body)
				}
				got := do(t, h, "GET", "/api/shares/"+c.ID, "", "")
				if got.code != 200 {
					t.Fatalf("share %s acknowledged, then GET = %d %s", c.ID, got.code, got.body)
				}
				var sent, stored map[string]any
				if json.Unmarshal([]byte(body), &sent) == nil && json.Unmarshal([]byte(got.body), &stored) == nil {
					for _, k := range []string{"allow", "deny", "hosts"} {
						if v, ok := sent[k]; ok && v != nil && stored[k] != v {
							t.Fatalf("share %s: %s sent %q, stored %q", c.ID, k, v, stored[k])
						}
					}
				}
			}
		}
		for _, path := range []string{"/", "/share"} {
			res := do(t, h, "POST", path, "application/x-www-form-urlencoded", body)
			if res.code >= 500 {
				t.Fatalf("POST %s %q: status %d", path, body, res.code)
			}
			if res.code == http.StatusOK && !strings.Contains(res.header.Get("Content-Type"), "text/html") {
				t.Fatalf("POST %s: Content-Type %q", path, res.header.Get("Content-Type"))
			}
		}
	})
}
