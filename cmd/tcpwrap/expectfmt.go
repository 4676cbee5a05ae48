package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// This file holds tcpwrap test's machine-readable reports: --format json,
// written as the lines are read (any number of lines in bounded memory),
// and --format junit, written once every file was read.

// jsonReporter writes one JSON object: every line's result, met ones
// included, one a line as each is judged, then the counts and the rules
// no request reached (jsonReport, its members in that order).
type jsonReporter struct {
	w      *bufio.Writer
	n      int // results written
	unread []jsonUnread
}

type jsonReport struct {
	OK          bool         `json:"ok"`
	Met         int          `json:"met"`
	Failed      int          `json:"failed"`
	BadLines    int          `json:"badLines"`
	UnreadFiles []jsonUnread `json:"unreadFiles"`
	Requests    int          `json:"requests"`
	// Idle is every rule no request was decided by (all of them, not the
	// text report's first 20).
	Idle []string `json:"idle"`
	// Results come first in the report, written as the lines are read:
	// done leaves them out of the counts it writes after them.
	Results []jsonLine `json:"results,omitempty"`
}

type jsonUnread struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type jsonLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Text string `json:"text"`
	// Error says why the line is not an expectation; the fields below
	// are then absent.
	Error   string       `json:"error,omitempty"`
	Request string       `json:"request,omitempty"`
	Expect  *wire.Expect `json:"expect,omitempty"`
	Met     *bool        `json:"met,omitempty"`
	Got     []jsonGot    `json:"got,omitempty"`
}

type jsonGot struct {
	Access  string `json:"access"`
	Rule    string `json:"rule"`
	Address string `json:"address,omitempty"`
	// RuleText is the deciding rule's text; Error the error that
	// decided, when one did (libwrap would not have decided at all).
	RuleText string `json:"ruleText,omitempty"`
	Error    string `json:"error,omitempty"`
	Met      bool   `json:"met"`
}

func (r *jsonReporter) report(l lineResult) {
	j := jsonLine{File: l.file, Line: l.line, Col: l.col, Text: l.text, Error: l.err}
	if l.err == "" {
		met := l.met
		want := l.want
		j.Request, j.Expect, j.Met = l.request, &want, &met
		for _, g := range l.got {
			j.Got = append(j.Got, jsonGot{Access: g.Access, Rule: g.Rule, Address: g.address, RuleText: g.ruleText, Error: g.err, Met: g.met})
		}
	}
	if r.n == 0 {
		r.w.WriteString(`{"results":[`)
	} else {
		r.w.WriteString(",")
	}
	r.n++
	r.w.WriteString("\n")
	r.w.Write(marshal(j)) // the writer's error is the caller's, at Flush
}

// marshal is v's JSON, without HTML escapes.
func marshal(v any) []byte {
	var b strings.Builder
	newEncoder(&b).Encode(v) // these types always encode
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

func (r *jsonReporter) unreadable(file, msg string) {
	r.unread = append(r.unread, jsonUnread{file, msg})
}

func (r *jsonReporter) done(t *tester) {
	rep := jsonReport{OK: !t.failing(), Met: t.met, Failed: t.failed, BadLines: t.bad, UnreadFiles: r.unread,
		Requests: t.requests, Idle: t.idle()}
	if rep.UnreadFiles == nil {
		rep.UnreadFiles = []jsonUnread{}
	}
	if rep.Idle == nil {
		rep.Idle = []string{}
	}
	if r.n == 0 {
		r.w.WriteString(`{"results":[`)
	} else {
		r.w.WriteString("\n")
	}
	// The counts after the results: rep's members, its opening brace
	// replaced by the comma that ends the results.
	sum := marshal(rep)
	r.w.WriteString("],")
	r.w.Write(sum[1:])
	r.w.WriteString("\n")
}

// junitReporter writes JUnit XML, which CI systems (GitLab, Jenkins,
// GitHub actions that read it) show as test results: a testsuite per
// expectation file, a testcase per line, a failure per unmet
// expectation, an error per line that is not one and per file that
// could not be read.
type junitReporter struct {
	w      *bufio.Writer
	suites []*junitSuite
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Cases     []junitCase `xml:"testcase"`
	SystemOut string      `xml:"system-out,omitempty"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// suite is the testsuite of file, the last one when the file is the
// same (lines come file by file).
func (r *junitReporter) suite(file string) *junitSuite {
	if n := len(r.suites); n > 0 && r.suites[n-1].Name == file {
		return r.suites[n-1]
	}
	s := &junitSuite{Name: file}
	r.suites = append(r.suites, s)
	return s
}

func (r *junitReporter) report(l lineResult) {
	s := r.suite(l.file)
	// The case's name is the line without its comment: its words.
	var ws []string
	for _, w := range words(l.text) {
		ws = append(ws, w.text)
	}
	c := junitCase{Classname: l.file, Name: strconv.Itoa(l.line) + ": " + strings.Join(ws, " ")}
	s.Tests++
	switch {
	case l.err != "":
		s.Errors++
		c.Error = &junitProblem{Message: l.err, Type: "bad line",
			Text: fmt.Sprintf("%s:%d:%d: %s", l.file, l.line, l.col, l.err)}
	case !l.met:
		s.Failures++
		var misses []string
		for _, g := range l.got {
			if !g.met {
				misses = append(misses, fmt.Sprintf("%s:%d:%d: %s", l.file, l.line, l.col, missText(l, g)))
			}
		}
		c.Failure = &junitProblem{Message: "want " + l.want.String(), Type: "unmet", Text: strings.Join(misses, "\n")}
	}
	s.Cases = append(s.Cases, c)
}

func (r *junitReporter) unreadable(file, msg string) {
	s := r.suite(file)
	s.Tests++
	s.Errors++
	s.Cases = append(s.Cases, junitCase{Classname: file, Name: "read " + file,
		Error: &junitProblem{Message: msg, Type: "unreadable", Text: file + ": " + msg}})
}

func (r *junitReporter) done(t *tester) {
	all := junitSuites{Name: "tcpwrap test", Suites: r.suites}
	for _, s := range r.suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
	}
	if idle := t.idle(); len(idle) > 0 && len(r.suites) > 0 {
		last := r.suites[len(r.suites)-1]
		last.SystemOut = "no request was decided by " + strings.Join(idle, ", ")
	}
	r.w.WriteString(xml.Header)
	enc := xml.NewEncoder(r.w)
	enc.Indent("", "  ")
	enc.Encode(all) // the writer's error is the caller's, at Flush
	r.w.WriteString("\n")
}
