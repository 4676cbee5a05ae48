package playground

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// TestState runs state.test.mjs, the unit tests of web/ts/state.ts (the
// playground's document: request lines with their expected verdicts,
// the expect column's text, normalizeDoc, links), bundled for Node by
// esbuild's Go API. Without node it is skipped, unless CI=true.
func TestState(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		need(t, "node is not on PATH (make install-deps)")
	}
	out := filepath.Join(t.TempDir(), "state.test.mjs")
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{"state.test.mjs"},
		Bundle:      true,
		Format:      api.FormatESModule,
		Platform:    api.PlatformNode,
		Target:      api.ES2022,
		Outfile:     out,
		Write:       true,
		LogLevel:    api.LogLevelSilent,
	})
	for _, m := range res.Errors {
		loc := ""
		if m.Location != nil {
			loc = m.Location.File + ":" + strconv.Itoa(m.Location.Line) + ": "
		}
		t.Errorf("esbuild: %s%s", loc, m.Text)
	}
	if len(res.Errors) > 0 {
		t.FailNow()
	}
	cmd := exec.Command(node, out)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	b, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "FAIL ") {
			t.Error(line)
		} else {
			t.Log(line)
		}
	}
	if err != nil {
		t.Fatalf("node state.test.mjs: %v", err)
	}
}
