package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

const checkUsage = `Usage:
  tcpwrap check [flags] [-d DIR | FILE...]

Reports problems in hosts.allow and hosts.deny: everything tcpdchk says
about the rules, with a file:line:col, a severity and a stable code each,
and the traps tcpdchk does not see (--format json gives each code's one-line documentation).
With -d DIR (default /etc) it reads DIR/hosts.allow and DIR/hosts.deny; a
FILE whose name contains "deny" is checked as a deny table, any other as an
allow table.

Flags:
  -d DIR            check DIR/hosts.allow and DIR/hosts.deny
  --hosts FILE      look host names up in FILE (/etc/hosts format) instead
                    of the system resolver; --no-dns skips host lookups
  --netgroup FILE   netgroups from FILE (/etc/netgroup format)
  --profile NAME    debian (default), upstream or freebsd
  --format F        text (default), json or sarif (SARIF 2.1.0)
  --fail-on S       exit 1 when a finding is at least this severe:
                    error, warning (default) or info
  -a                report rules that grant without an explicit allow
  --paranoid        report host-name patterns when no rule denies PARANOID
  --no-dns          no host name lookups (no "host not found")

A -d DIR that is not a directory, or a named FILE that does not exist or is
a directory, is an error (within DIR, a missing table reads as empty).

Exit status: 0 no finding at or above --fail-on, 1 findings or an input
that cannot be read, 2 usage.
`

type checkConfig struct {
	named bool // the files were named on the command line (else matchConfig.dir: -d DIR, or /etc)
	matchConfig
	format   string
	failOn   engine.Severity
	implicit bool
	paranoid bool
	noDNS    bool
	files    []string
}

// checkFlags defines check's flags (checkUsage lists them), into cfg;
// the texts of -d, --profile and --fail-on go into *dir, *profile and
// *failOn.
func checkFlags(cfg *checkConfig) (fs *flag.FlagSet, dir, profile, failOn *string) {
	fs = newFlagSet("check")
	dir = fs.String("d", "", "")
	fs.StringVar(&cfg.hostsFile, "hosts", "", "")
	fs.StringVar(&cfg.netgroupFile, "netgroup", "", "")
	profile = fs.String("profile", "debian", "")
	fs.StringVar(&cfg.format, "format", "text", "")
	failOn = fs.String("fail-on", "warning", "")
	fs.BoolVar(&cfg.implicit, "a", false, "")
	fs.BoolVar(&cfg.paranoid, "paranoid", false, "")
	fs.BoolVar(&cfg.noDNS, "no-dns", false, "")
	return fs, dir, profile, failOn
}

func parseCheck(args []string) (*checkConfig, error) {
	cfg := &checkConfig{}
	fs, dir, profile, failOn := checkFlags(cfg)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%s", flagMessage(err))
	}
	var err error
	if cfg.profile, err = engine.ParseProfile(*profile); err != nil {
		return nil, usagef("%v", err)
	}
	switch cfg.format {
	case "text", "json", "sarif":
	default:
		return nil, usagef("--format %q: want text, json or sarif", cfg.format)
	}
	switch *failOn {
	case "error":
		cfg.failOn = engine.SeverityError
	case "warning":
		cfg.failOn = engine.SeverityWarning
	case "info":
		cfg.failOn = engine.SeverityInfo
	default:
		return nil, usagef("--fail-on %q: want error, warning or info", *failOn)
	}
	cfg.files = fs.Args()
	if *dir != "" && len(cfg.files) > 0 {
		return nil, usagef("give -d DIR or files, not both")
	}
	cfg.named = len(cfg.files) > 0
	if !cfg.named {
		cfg.dir = *dir
		if cfg.dir == "" {
			cfg.dir = "/etc"
		}
		cfg.files = []string{filepath.Join(cfg.dir, "hosts.allow"), filepath.Join(cfg.dir, "hosts.deny")}
	}
	return cfg, nil
}

// checkInputs reports a -d DIR that is not a directory and a named file
// that does not exist or is a directory: a typo must not pass as clean
// tables. (Within a directory, a missing table reads as empty, as for
// libwrap.)
func checkInputs(cfg *checkConfig) error {
	if !cfg.named {
		return statDir(cfg.dir)
	}
	for _, f := range cfg.files {
		if err := statFile(f); err != nil {
			return err
		}
	}
	return nil
}

// runCheck is the check command.
func runCheck(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseCheck(args)
	if err == flag.ErrHelp {
		fmt.Fprint(stdout, checkUsage)
		return exitOK
	}
	if err != nil {
		return usageFail(stderr, "check", err)
	}
	if err := checkInputs(cfg); err != nil {
		fmt.Fprintf(stderr, "tcpwrap check: %v\n", err)
		return exitInput
	}
	res, err := loadResolver(&cfg.matchConfig, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap check: %v\n", err)
		return exitInput
	}
	opts := engine.CheckOptions{Resolver: res, Files: sysdeps.Files{}, ImplicitAllow: cfg.implicit, Paranoid: cfg.paranoid}
	if cfg.noDNS {
		opts.Resolver = noDNS{res}
	}
	var diags engine.Diagnostics
	var allow, deny *engine.Table
	for _, f := range cfg.files {
		t := loadTable(f, cfg.profile).t
		if t.Missing {
			continue
		}
		if strings.Contains(filepath.Base(f), "deny") {
			if deny != nil {
				diags = append(diags, engine.Check(nil, deny, opts)...)
			}
			deny = t
		} else {
			if allow != nil {
				diags = append(diags, engine.Check(allow, nil, opts)...)
			}
			allow = t
		}
	}
	diags = append(diags, engine.Check(allow, deny, opts)...)
	diags.Sort()
	var werr error
	switch cfg.format {
	case "text":
		for _, d := range diags {
			_, werr = fmt.Fprintf(stdout, "%s: %s: %s [%s]\n", location(d), d.Severity, d.Msg, d.Code)
		}
	case "json":
		werr = writeCheckJSON(stdout, diags)
	case "sarif":
		werr = writeSARIF(stdout, diags)
	}
	if werr != nil {
		return writeFailed(stderr, werr)
	}
	for _, d := range diags {
		if d.Severity <= cfg.failOn {
			return 1
		}
	}
	return exitOK
}

// noDNS keeps netgroups and users but looks no host name up: every name
// counts as found.
type noDNS struct{ engine.Resolver }

func (n noDNS) LookupHost(string, bool) (string, []netip.Addr, bool) { return "", nil, true }

// NetgroupExists and NetgroupHosts pass the wrapped resolver's answers
// through ([engine.NetgroupLister]); a resolver that cannot list its
// netgroups says every netgroup exists, with no hosts.
func (n noDNS) NetgroupExists(name string) bool {
	if l, ok := n.Resolver.(engine.NetgroupLister); ok {
		return l.NetgroupExists(name)
	}
	return true
}

func (n noDNS) NetgroupHosts(group string) []string {
	if l, ok := n.Resolver.(engine.NetgroupLister); ok {
		return l.NetgroupHosts(group)
	}
	return nil
}

// InterfaceIndex and InterfaceName pass the wrapped resolver's
// interfaces through ([engine.InterfaceResolver]): they are the
// machine's, not DNS.
func (n noDNS) InterfaceIndex(name string) (uint32, bool) {
	if i, ok := n.Resolver.(engine.InterfaceResolver); ok {
		return i.InterfaceIndex(name)
	}
	return 1, name == "lo"
}

func (n noDNS) InterfaceName(index uint32) (string, bool) {
	if i, ok := n.Resolver.(engine.InterfaceResolver); ok {
		return i.InterfaceName(index)
	}
	return "lo", index == 1
}

func location(d engine.Diagnostic) string {
	if !d.Span.Start.IsValid() {
		return d.File
	}
	return fmt.Sprintf("%s:%d:%d", d.File, d.Span.Start.Line, d.Span.Start.Col)
}

func writeCheckJSON(w io.Writer, diags engine.Diagnostics) error {
	out := wire.CheckOutput{Diagnostics: []wire.Diagnostic{}}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, wire.FromDiagnostic(d))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeSARIF writes a SARIF 2.1.0 log with one run.
func writeSARIF(w io.Writer, diags engine.Diagnostics) error {
	type text struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription text   `json:"shortDescription"`
		FullDescription  text   `json:"fullDescription"`
		HelpURI          string `json:"helpUri,omitempty"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine"`
		EndColumn   int `json:"endColumn"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		RuleIndex int        `json:"ruleIndex"`
		Level     string     `json:"level"`
		Message   text       `json:"message"`
		Locations []location `json:"locations"`
	}
	codes := map[string]int{}
	var rules []rule
	var keys []string
	for code := range engine.CheckDocs {
		keys = append(keys, code)
	}
	sort.Strings(keys)
	for _, code := range keys {
		codes[code] = len(rules)
		rules = append(rules, rule{ID: code, ShortDescription: text{code}, FullDescription: text{engine.CheckDocs[code]}})
	}
	results := []result{}
	for _, d := range diags {
		level := map[engine.Severity]string{engine.SeverityError: "error", engine.SeverityWarning: "warning", engine.SeverityInfo: "note"}[d.Severity]
		loc := location{PhysicalLocation: physical{ArtifactLocation: artifact{URI: filepath.ToSlash(d.File)}}}
		if d.Span.Start.IsValid() {
			r := &region{StartLine: d.Span.Start.Line, StartColumn: d.Span.Start.Col, EndLine: d.Span.End.Line, EndColumn: d.Span.End.Col}
			if r.EndLine < r.StartLine || (r.EndLine == r.StartLine && r.EndColumn < r.StartColumn) {
				r.EndLine, r.EndColumn = r.StartLine, r.StartColumn
			}
			loc.PhysicalLocation.Region = r
		}
		idx, ok := codes[d.Code]
		if !ok {
			idx = -1
		}
		results = append(results, result{RuleID: d.Code, RuleIndex: idx, Level: level, Message: text{d.Msg}, Locations: []location{loc}})
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "tcpwrap", "informationUri": "https://github.com/tcpwrap/tcpwrap", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
