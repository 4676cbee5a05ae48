package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

const diffUsage = `Usage:
  tcpwrap diff [flags] OLD NEW
  tcpwrap diff [flags] --git REV NEW

Lists the connections that the NEW tables decide otherwise than the OLD
ones: for a change to hosts.allow or hosts.deny, every verdict it changes,
found from the rules' own patterns rather than from sampled traffic. Each
change says what decided it before and after, with up to three example
requests. OLD and NEW are each a directory holding hosts.allow and
hosts.deny (a missing one reads as empty), or two files ALLOW,DENY:

  tcpwrap diff /etc ./staged
  tcpwrap diff --git origin/main etc/tcpwrap

With --git REV, OLD is NEW's tables as git has them at revision REV (a
table git does not have there reads as empty), for a CI check of a
change under review.

Both are read under the same profile, hosts file and netgroups. A rule
whose options expand %-sequences is taken to decide every request as it
decides the representative (an expansion too long for some names only is
missed). Tables whose comparison takes more than 20,000,000 steps (a
blocklist with many addresses and many domains) are not compared, nor
daemon@host patterns that read the server's host name under the system's
DNS (use --hosts): the command says so and exits 1.

Flags:
  --git REV         compare with NEW's tables at git revision REV
  --hosts FILE      look host names up in FILE (/etc/hosts format) instead
                    of the system resolver
  --netgroup FILE   netgroups from FILE (/etc/netgroup format)
  --profile NAME    debian (default), upstream or freebsd
  --rules           also list requests whose verdict stays but whose
                    deciding rule changes (a rule only moved or respaced
                    is the same rule)
  --json            the changes as JSON
  --record          print the changes' examples as tcpwrap test lines
                    with NEW's verdicts, each checked to change so: append
                    them to an expectation file to pin a reviewed change

Exit status: 0 no change (of verdict; with --rules, of either), 1 changes,
tables that cannot be read or compared, 2 usage.
`

type diffConfig struct {
	matchConfig
	git      string // --git REV: OLD is NEW at REV
	rules    bool
	record   bool
	old, new []string // each: the allow and deny paths
	names    [2]string
}

// diffFlags defines diff's flags (diffUsage lists them), into cfg;
// --profile's text goes into *profile.
func diffFlags(cfg *diffConfig) (fs *flag.FlagSet, profile *string) {
	fs = newFlagSet("diff")
	fs.StringVar(&cfg.git, "git", "", "")
	fs.StringVar(&cfg.hostsFile, "hosts", "", "")
	fs.StringVar(&cfg.netgroupFile, "netgroup", "", "")
	profile = fs.String("profile", "debian", "")
	fs.BoolVar(&cfg.rules, "rules", false, "")
	fs.BoolVar(&cfg.json, "json", false, "")
	fs.BoolVar(&cfg.record, "record", false, "")
	return fs, profile
}

// parseDiff parses the arguments of diff. Flags may come before, between
// and after the operands; "--" ends the flags.
func parseDiff(args []string) (*diffConfig, error) {
	cfg := &diffConfig{}
	fs, profile := diffFlags(cfg)
	ops, err := parseInterleaved(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%s", flagMessage(err))
	}
	if cfg.profile, err = engine.ParseProfile(*profile); err != nil {
		return nil, usagef("%v", err)
	}
	if cfg.json && cfg.record {
		return nil, usagef("give --json or --record, not both")
	}
	if cfg.git != "" {
		if len(ops) != 1 {
			return nil, usagef("with --git, want one operand, NEW, got %d", len(ops))
		}
		if strings.HasPrefix(cfg.git, "-") {
			return nil, usagef("--git %q: not a revision", cfg.git)
		}
		ops = []string{ops[0], ops[0]}
	} else if len(ops) != 2 {
		return nil, usagef("want two operands, OLD and NEW, got %d", len(ops))
	}
	for i, op := range ops {
		paths, err := tablePaths(op)
		if err != nil {
			return nil, err
		}
		cfg.names[i] = op
		if i == 0 && cfg.git != "" {
			cfg.names[i] = cfg.git + ":" + op
		}
		if i == 0 {
			cfg.old = paths
		} else {
			cfg.new = paths
		}
	}
	return cfg, nil
}

// tablePaths returns the two tables an operand names: DIR's hosts.allow
// and hosts.deny, or ALLOW,DENY.
func tablePaths(op string) ([]string, error) {
	if a, d, ok := strings.Cut(op, ","); ok {
		if a == "" || d == "" || strings.Contains(d, ",") {
			return nil, usagef("%q: want a directory or two files ALLOW,DENY", op)
		}
		return []string{a, d}, nil
	}
	return []string{filepath.Join(op, "hosts.allow"), filepath.Join(op, "hosts.deny")}, nil
}

// runDiff is the diff command.
func runDiff(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseDiff(args)
	if err == flag.ErrHelp {
		io.WriteString(stdout, diffUsage)
		return exitOK
	}
	if err != nil {
		return usageFail(stderr, "diff", err)
	}
	res, err := loadResolver(&cfg.matchConfig, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap diff: %v\n", err)
		return exitInput
	}
	var pols [2]*engine.Policy
	for i, paths := range [][]string{cfg.old, cfg.new} {
		if p, err := diffPolicy(cfg, i, paths, res); err != nil {
			fmt.Fprintf(stderr, "tcpwrap diff: %v\n", err)
			return exitInput
		} else {
			pols[i] = p
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	changes, err := engine.DiffContext(ctx, pols[0], pols[1])
	switch {
	case errors.Is(err, engine.ErrDiffServerNames):
		fmt.Fprintf(stderr, "tcpwrap diff: not compared: %v; give one with --hosts\n", err)
		return exitInput
	case err != nil:
		fmt.Fprintf(stderr, "tcpwrap diff: not compared: %v\n", err)
		return exitInput
	}
	verdicts := 0
	for i := range changes {
		if changes[i].Verdict() {
			verdicts++
		}
	}
	shown := changes
	if !cfg.rules {
		shown = changes[:verdicts]
	}
	if cfg.record {
		if err := writeRecord(stdout, cfg, pols, res, shown); err != nil {
			return writeFailed(stderr, err)
		}
	} else if cfg.json {
		out := diffOutput{Old: cfg.names[0], New: cfg.names[1], Changes: shown}
		if out.Changes == nil {
			out.Changes = []engine.Change{}
		}
		enc := newEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return writeFailed(stderr, err)
		}
	} else if err := writeDiff(stdout, cfg, shown, verdicts, len(changes)-verdicts); err != nil {
		return writeFailed(stderr, err)
	}
	if len(shown) > 0 {
		return 1
	}
	return exitOK
}

// diffOutput is the --json output.
type diffOutput struct {
	Old     string          `json:"old"`
	New     string          `json:"new"`
	Changes []engine.Change `json:"changes"`
}

// diffPolicy reads one side's tables: from git with --git, else from
// files, where a directory must exist, and named files too (a typo must
// not read as an empty table).
func diffPolicy(cfg *diffConfig, side int, paths []string, res engine.Resolver) (*engine.Policy, error) {
	fromGit := side == 0 && cfg.git != ""
	switch op := cfg.names[side]; {
	case fromGit:
	case !strings.Contains(op, ","):
		if err := statDir(op); err != nil {
			return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "-d "))
		}
	default:
		for _, p := range paths {
			if err := statFile(p); err != nil {
				return nil, err
			}
		}
	}
	var t [2]*engine.Table
	for i, p := range paths {
		if fromGit {
			var err error
			if t[i], err = gitTable(cfg.git, p, cfg.profile); err != nil {
				return nil, err
			}
			continue
		}
		if t[i] = loadTable(p, cfg.profile).t; t[i].TooLarge {
			return nil, fmt.Errorf("%s: %w", p, engine.ErrTableTooLarge)
		}
	}
	return &engine.Policy{Allow: t[0], Deny: t[1], Resolver: res, Files: sysdeps.Files{}}, nil
}

// gitTable reads the table at path as git has it at revision rev, named
// REV:path: a path git does not have there is a missing table (empty).
// It runs git show in the path's directory, reading at most
// engine.MaxTableSize bytes.
func gitTable(rev, path string, prof engine.Profile) (*engine.Table, error) {
	name := rev + ":" + path
	cmd := exec.Command("git", "-C", filepath.Dir(path), "show", "--no-textconv", rev+":./"+filepath.Base(path))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("--git %s: %v", rev, err)
	}
	data, rerr := io.ReadAll(io.LimitReader(out, engine.MaxTableSize+1))
	if len(data) > engine.MaxTableSize {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("%s: %w", name, engine.ErrTableTooLarge)
	}
	werr := cmd.Wait()
	msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "fatal: "))
	switch {
	case werr != nil && (strings.Contains(msg, "does not exist in") || strings.Contains(msg, "exists on disk, but not in")):
		return engine.MissingTable(name, prof), nil
	case werr != nil && msg != "":
		return nil, fmt.Errorf("--git %s: %s", rev, msg)
	case werr != nil:
		return nil, fmt.Errorf("--git %s: git show: %v", rev, werr)
	case rerr != nil:
		return nil, fmt.Errorf("--git %s: %v", rev, rerr)
	}
	return engine.Parse(name, data, prof), nil
}

// writeRecord writes, for each change, the tcpwrap test lines of its
// examples with NEW's verdicts, each once: a line is written only when
// the request it stands for (as tcpwrap test reads it, under res) changes
// as the change says; an example no line gives is a comment.
func writeRecord(w io.Writer, cfg *diffConfig, pols [2]*engine.Policy, res engine.Resolver, changes []engine.Change) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# tcpwrap diff --record: the verdicts %s gives requests that %s decides otherwise\n", cfg.names[1], cfg.names[0])
	seen := map[string]bool{}
	for _, c := range changes {
		want := [2]engine.Outcome{c.Old, c.New}
		for _, ex := range c.Examples {
			if line, ok := recordLine(pols, res, want, ex); ok {
				if !seen[line] {
					seen[line] = true
					b.WriteString(line + "\n")
				}
			} else {
				fmt.Fprintf(b, "# not recorded (no tcpwrap test line gives this request): %s\n", wire.DescribeRequest(ex))
			}
		}
	}
	return b.Flush()
}

// recordLine returns a tcpwrap test line for example ex of a change whose
// outcomes are want: the first of its client's forms (its address, its
// host name, "unknown" or "paranoid") whose requests the two policies
// decide as want says.
func recordLine(pols [2]*engine.Policy, res engine.Resolver, want [2]engine.Outcome, ex engine.Request) (string, bool) {
	if ex.Daemon == "" || strings.ContainsAny(ex.Daemon, " \t@#") {
		return "", false
	}
	daemon, ports := ex.Daemon, ""
	var serverPort uint16
	switch s := ex.Server; {
	case s.Socket.IsValid() && s.Name == "":
		daemon += "@" + s.Socket.Addr().String()
		if serverPort = s.Socket.Port(); serverPort != 0 {
			ports = " --server-port " + strconv.Itoa(int(serverPort))
		}
	case !s.Socket.IsValid() && (s.Name == "unknown" || s.Name == "paranoid"):
		daemon += "@" + s.Name
	case s != engine.Endpoint{}:
		return "", false
	}
	var clients []string
	c := ex.Client
	if c.Socket.IsValid() {
		clients = append(clients, c.Socket.Addr().String())
	}
	switch {
	case c.Name == "unknown" || c.Name == "paranoid":
		if !c.Socket.IsValid() {
			clients = append(clients, c.Name)
		}
	case c.Name != "" && !strings.ContainsAny(c.Name, " \t@#"):
		clients = append(clients, c.Name)
	}
	for _, client := range clients {
		if ex.User != "" {
			if strings.ContainsAny(ex.User, " \t@#") {
				return "", false
			}
			client = ex.User + "@" + client
		}
		reqs, err := engine.Query(res, daemon, client, 0, serverPort)
		if err != nil || len(reqs) == 0 {
			continue
		}
		ok := true
		for _, r := range reqs {
			for i, p := range pols {
				d := p.Decide(r)
				ok = ok && d.Access == want[i].Access && d.Error == want[i].Error && sameRef(d.Matched, want[i].Rule)
			}
		}
		if ok {
			return testLine(wire.Expect{Access: string(want[1].Access), Rule: wire.RuleName(pols[1], want[1].Rule)}, daemon+" "+client+ports), true
		}
	}
	return "", false
}

// sameRef reports whether two rule references name the same rule, or
// both none.
func sameRef(a, b *engine.RuleRef) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.File == b.File && a.Line == b.Line
}

// writeDiff writes the changes as text: a heading, then each change with
// what decided before and after and its examples.
func writeDiff(w io.Writer, cfg *diffConfig, changes []engine.Change, verdicts, rules int) error {
	b := bufio.NewWriter(w)
	if verdicts == 0 {
		b.WriteString("no change of verdict")
	} else {
		b.WriteString(plural(verdicts, "change of verdict", "changes of verdict"))
	}
	fmt.Fprintf(b, " from %s to %s", cfg.names[0], cfg.names[1])
	switch {
	case !cfg.rules && rules > 0:
		fmt.Fprintf(b, " (%s of the deciding rule: --rules lists them)", plural(rules, "change", "changes"))
	case cfg.rules && rules > 0:
		fmt.Fprintf(b, ", %s", plural(rules, "change of the deciding rule", "changes of the deciding rule"))
	}
	if len(changes) > 0 {
		b.WriteString(":")
	}
	b.WriteString("\n")
	for i, c := range changes {
		fmt.Fprintf(b, "\n%d. %s -> %s\n", i+1, outcomeWord(c.Old), outcomeWord(c.New))
		fmt.Fprintf(b, "   was: %s\n", outcomeLine(c.Old))
		fmt.Fprintf(b, "   now: %s\n", outcomeLine(c.New))
		for j, r := range c.Examples {
			label := "for:"
			if j > 0 {
				label = "    "
			}
			fmt.Fprintf(b, "   %s %s\n", label, wire.DescribeRequest(r))
		}
		if more := c.Cases - len(c.Examples); more > 0 {
			fmt.Fprintf(b, "        and %s\n", plural(more, "more representative request", "more representative requests"))
		}
	}
	return b.Flush()
}

// outcomeWord is an outcome's verdict, or "error" when libwrap stops.
func outcomeWord(o engine.Outcome) string {
	if o.Error != "" {
		return "error"
	}
	return string(o.Access)
}

// outcomeLine says what decided: the rule and its text, the default, or
// the error.
func outcomeLine(o engine.Outcome) string {
	var s string
	switch {
	case o.Rule != nil:
		s = fmt.Sprintf("%s by %s:%d  %s", o.Access, o.Rule.File, o.Rule.Line, o.Text)
	case o.Error == "" && o.Reason != "":
		s = fmt.Sprintf("%s (%s)", o.Access, o.Reason)
	case o.Error == "" && o.Access == engine.Granted:
		s = "granted: no rule matched"
	default:
		s = string(o.Access)
	}
	if o.Error != "" {
		s += " (libwrap stops: " + o.Error + ")"
	}
	return s
}
