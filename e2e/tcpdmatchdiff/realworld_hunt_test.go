//go:build linux

package tcpdmatchdiff

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
)

// TestRealWorldHunt compares cmd/tcpdmatch with Debian's tcpdmatch on
// cases derived from real-world tables in the directories REALFILES names (package
// e2e/realhunt; skipped without it).
func TestRealWorldHunt(t *testing.T) {
	files, err := realhunt.Load()
	if err != nil {
		t.Skipf("no real-world files: %v", err)
	}
	h := harness(t)
	bin := ourTcpdmatch(t)
	per := 14
	if s := os.Getenv("REALFILES_PER"); s != "" {
		per, _ = strconv.Atoi(s)
	}
	var rcs []realhunt.Case
	for _, c := range realhunt.Cases(files) {
		if strings.Contains(c.Name, " from line ") {
			continue
		}
		if f := os.Getenv("REALFILES_MATCH"); f != "" && !strings.Contains(c.Name, f) {
			continue
		}
		rcs = append(rcs, c)
	}
	type job struct {
		name string
		c    libwrap.Case
		args []string
	}
	var jobs []job
	for _, rc := range rcs {
		c := rc.WithoutPID().HarnessCase()
		ops := rc.Tcpdmatch
		if len(ops) > per {
			step := len(ops) / per
			var keep [][2]string
			for i := 0; i < len(ops); i += step {
				keep = append(keep, ops[i])
			}
			ops = keep
		}
		for _, op := range ops {
			jobs = append(jobs, job{rc.Name, c, []string{op[0], op[1]}})
		}
	}
	var bad, ran atomic.Int64
	var mu sync.Mutex
	seen := map[string]int{}
	work := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				want, wantCode, err := h.Tcpdmatch(j.c, j.args...)
				if err != nil {
					t.Error(err)
					continue
				}
				got, gotCode := runOurs(t, bin, j.c, j.args)
				ran.Add(1)
				if strings.Join(got, "\n") != strings.Join(want, "\n") || gotCode != wantCode {
					bad.Add(1)
					key, _, _ := strings.Cut(j.name, " ")
					mu.Lock()
					seen[key]++
					n := seen[key]
					mu.Unlock()
					if n <= 2 && bad.Load() <= 60 {
						t.Errorf("%s: tcpdmatch %q differs (exit %d, ours %d)\n--- Debian tcpdmatch\n%s\n--- cmd/tcpdmatch\n%s",
							j.name, j.args, wantCode, gotCode, strings.Join(want, "\n"), strings.Join(got, "\n"))
					}
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	fmt.Printf("realhunt tcpdmatch: %d cases, %d runs; %d differ\n", len(rcs), ran.Load(), bad.Load())
}
