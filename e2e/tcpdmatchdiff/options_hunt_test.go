//go:build linux

package tcpdmatchdiff

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/optionhunt"
)

// TestOptionFamily compares cmd/tcpdmatch with Debian's tcpdmatch on the
// option family of package optionhunt and OPTIONHUNT_RANDOM random
// option texts (default 200): each rule alone in hosts.allow, and alone
// in hosts.deny, decided for one of five pairs of operands in turn: a
// client by address, alice@NAME to a server by address, a client without
// a name to a server by name, a user name that expansions sanitise at an
// IPv6 client, a name with two addresses (two verdicts); and the banners
// of odd daemon names (optionhunt.BannerDaemons). What tcpdmatch prints
// for each option (its "option:" lines, banners, warnings and errors,
// the verdict) must be identical. One run of tcpdmatch costs a fork and
// an exec, so the test compares OPTIONHUNT_TCPDMATCH runs (default 100;
// 0 for all, about 3,500) drawn from OPTIONHUNT_SEED (default: the
// clock; logged); e2e/tcpdchkdiff's TestOptionFamily shows tcpdchk, which
// runs the same dry-run option processing, every rule of the family.
func TestOptionFamily(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	type job struct {
		table string
		rule  string
		c     libwrap.Case
		args  []string
	}
	var jobs []job
	files := optionhunt.Files()
	operands := [][]string{{"sshd", "10.0.0.1"}, {"sshd@127.1.0.1", "alice@good.example.com"},
		{"sshd@lo1.example.com", "10.0.0.2"}, {"sshd", "a b;c@2001:db8::5"}, {"sshd", "multi.example.com"}}
	seed, nrandom := optionhunt.RandomFromEnv(200)
	rules := optionhunt.Rules()
	for _, o := range optionhunt.Random(seed, nrandom) {
		rules = append(rules, "ALL: ALL: "+o+"\n")
	}
	for i, r := range rules {
		args := operands[i%len(operands)]
		text := r
		jobs = append(jobs, job{"hosts.allow", r, libwrap.Case{Allow: &text, Files: files, Hosts: optionhunt.Hosts}, args},
			job{"hosts.deny", r, libwrap.Case{Deny: &text, Files: files, Hosts: optionhunt.Hosts}, args})
	}
	for _, rule := range optionhunt.BannerRules {
		text := rule
		for _, d := range optionhunt.BannerDaemons {
			if d == "" || d[0] == '-' {
				continue
			}
			jobs = append(jobs, job{"hosts.allow", rule, libwrap.Case{Allow: &text, Files: files, Hosts: optionhunt.Hosts},
				[]string{d, "10.0.0.1"}})
		}
	}
	n := 100
	if v, err := strconv.Atoi(os.Getenv("OPTIONHUNT_TCPDMATCH")); err == nil {
		n = v
	}
	if n > 0 && n < len(jobs) {
		r := rand.New(rand.NewPCG(seed, 1))
		r.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		jobs = jobs[:n]
	}
	t.Logf("%d runs drawn from seed %d (OPTIONHUNT_SEED=%d OPTIONHUNT_RANDOM=%d OPTIONHUNT_TCPDMATCH=%d; 0 for all)",
		len(jobs), seed, seed, nrandom, n)
	start := time.Now()
	var bad, ran atomic.Int64
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
					if n := bad.Add(1); n <= 40 || os.Getenv("OPTIONHUNT_ALL") != "" {
						t.Errorf("%s %q: tcpdmatch %q differs (exit %d, ours %d)\n--- Debian tcpdmatch\n%s\n--- cmd/tcpdmatch\n%s",
							j.table, j.rule, j.args, wantCode, gotCode, strings.Join(want, "\n"), strings.Join(got, "\n"))
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
	fmt.Printf("tcpdmatchdiff: %d option-family runs compared with Debian's tcpdmatch in %v; %d differ\n",
		ran.Load(), time.Since(start).Round(time.Millisecond), bad.Load())
}
