package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The hand-written codec (json.go) against encoding/json, which wire
// used before: refDecode and refEncode are that code.

func refDecode(data []byte, v any) error {
	if len(data) > MaxInputSize {
		return fmt.Errorf("input of %d bytes: at most %d", len(data), MaxInputSize)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return fmt.Errorf("bad JSON input: want an object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON input: %v", err)
	}
	if dec.More() {
		return fmt.Errorf("bad JSON input: data after the object")
	}
	var n int
	switch in := v.(type) {
	case *Input:
		n = len(in.Requests)
	case *Requests:
		n = len(in.Requests)
	}
	if n > MaxRequests {
		return fmt.Errorf("%d requests: at most %d a call", n, MaxRequests)
	}
	return nil
}

func refEncode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// checkDecode decodes data as Input and as Requests both ways and
// compares the errors and the values.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	errText := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	var want Input
	wantErr := refDecode(data, &want)
	got, gotErr := decodeInput(data)
	if errText(gotErr) != errText(wantErr) {
		t.Fatalf("Input %q:\nerror %q\nwant  %q", data, errText(gotErr), errText(wantErr))
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("Input %q:\ngot  %#v\nwant %#v", data, got, want)
	}
	var wantR, gotR Requests
	wantErr = refDecode(data, &wantR)
	gotErr = decode(data, func(d *decoder) int { d.requestsObject(&gotR); return len(gotR.Requests) })
	if errText(gotErr) != errText(wantErr) {
		t.Fatalf("Requests %q:\nerror %q\nwant  %q", data, errText(gotErr), errText(wantErr))
	}
	if wantErr == nil && !reflect.DeepEqual(gotR, wantR) {
		t.Fatalf("Requests %q:\ngot  %#v\nwant %#v", data, gotR, wantR)
	}
}

var decodeCases = []string{
	``, ` `, `{`, `{}`, ` {} `, `{}}`, `{}]`, `{},`, `{} {}`, `{} x`, `null`, `[]`, `"x"`, `1`, `{"a"}`, `{"a":}`,
	`{"allow":"x","deny":null,"hosts":"h","netgroup":"n","files":{"/a":"1","/b":null},"profile":"upstream","allowName":"A","denyName":"D","version":1,"noTrace":true}`,
	`{"requests":[{"daemon":"d","server":"s","client":"c","user":"u","clientPort":1,"serverPort":65535}]}`,
	`{"requests":[{"daemon":"a","user":"u"},{"daemon":"b"}],"requests":[{"daemon":"c"}],"requests":[{},{}]}`,
	`{"requests":[{"daemon":"a"}],"requests":[]}`, `{"requests":null}`, `{"requests":[null,{}]}`,
	`{"ALLOW":"x","Deny":"y","reQuests":[{"DAEMON":"k","ClientPort":2}],"ſerver":1}`,
	`{"requests":[{"ſerver":"x","daemon":"y"}]}`, `{"allowname":"x","aLLOWnAME":"y"}`,
	`{"alow":"x"}`, `{"requests":[{"daemon":"a","extra":{"x":[1,2]}}]}`, `{"x":1,"version":"2"}`,
	`{"version":"2","x":1}`, `{"version":2}`, `{"version":1.0}`, `{"version":1e2}`, `{"version":-0}`,
	`{"version":99999999999999999999}`, `{"version":null}`, `{"version":true}`, `{"version":[1]}`, `{"version":{}}`,
	`{"allow":1}`, `{"allow":true}`, `{"allow":[]}`, `{"allow":{"a":1}}`, `{"hosts":null}`, `{"hosts":1}`,
	`{"files":[]}`, `{"files":"x"}`, `{"files":{"/a":1}}`, `{"files":{"/a":"1"},"files":{"/b":"2"}}`, `{"files":{"/a":"1"},"files":null}`,
	`{"noTrace":1}`, `{"noTrace":"true"}`, `{"noTrace":null}`, `{"noTrace":false}`,
	`{"dns":{"mode":"lying","name":"x.example"}}`, `{"dns":null}`, `{"dns":"lying"}`, `{"dns":{"mode":1}}`, `{"dns":{"mode":"missing","extra":1}}`, `{"DNS":{"Mode":"consistent"}}`, `{"dns":{}}`, `{"dns":[]}`, `{"dns":{"mode":"missing"},"dns":{"name":"y"}}`,
	`{"traceFold":3,"traceLines":{"file":"hosts.deny","first":1,"last":2}}`,
	`{"old":{"allow":"a: b\n","deny":null}}`, `{"old":null}`, `{"old":{"allow":1}}`, `{"old":[]}`, `{"OLD":{"DENY":"x","x":1}}`, `{"old":{}}`, `{"traceLines":null}`, `{"traceLines":{"first":"1"}}`,
	`{"traceLines":{"file":1,"x":2}}`, `{"traceLines":[]}`, `{"traceFold":"x"}`, `{"traceFold":1.5}`, `{"TRACELINES":{"FIRST":2}}`,
	`{"requests":{}}`, `{"requests":"x"}`, `{"requests":1}`, `{"requests":[1]}`, `{"requests":["x"]}`, `{"requests":[[]]}`, `{"requests":[true]}`,
	`{"requests":[{"daemon":1}]}`, `{"requests":[{"clientPort":70000}]}`, `{"requests":[{"clientPort":-1}]}`, `{"requests":[{"clientPort":1.5}]}`,
	`{"requests":[{"clientPort":"22"}]}`, `{"requests":[{"serverPort":-0}]}`, `{"requests":[{"serverPort":65536}]}`,
	`{"requests":[{"daemon":"a"}],"x":1}`, `{"x":{"y":[`, `{"requests":[{"daemon":"a"},]}`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`,
	`{"a":[1 2]}`, `{"a":tru}`, `{"a":nul}`, `{"a":fals}`, `{"a":-}`, `{"a":-x}`, `{"a":01}`, `{"a":1.}`, `{"a":1.e3}`, `{"a":1e}`, `{"a":1e+}`,
	`{"a":1E-2}`, `{"a":"\x}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\x7f\"}", `{"a":'x'}`, `{'a':1}`,
	`{"allow":"\u00e9\ud83d\ude00\ud800\udc00\ud800x\udc00\uDFFF\u0000\"\\\/\b\f\n\r\t"}`, `{"allow":"\ud800\u0041"}`,
	"{\"allow\":\"a\xffb\xc3\",\"deny\":\"\xed\xa0\x80\"}", "{\"\xff\":1}", `{"\u0061llow":"x"}`, `{"allow\u0000":"x"}`,
	"\t\r\n {\"allow\":\"x\"}\n\t", `{"a":[[[[{}]]]]}`, `{"a":{"b":{"c":[null,true,false,0,-1.5e10,"s"]}}}`,
	`{"allow":"x"}` + "\x00", `{"requests":[{"daemon":"a","daemon":null}]}`, `{"allow":"x","allow":null}`,
	`{"profile":"x","profile":{}}`, "{\"allow\": \"x\"\n,\n\"deny\"\t:\t\"y\"}",
	`{"requests":[{"daemon":"a"}],"requests":[{"daemon":"b"},{"daemon":"c"}]}`,
	// hosts_ctl requests.
	`{"requests":[{"ctl":{"daemon":"sendmail","name":"mail.example.com","addr":"10.0.0.1","user":"alice"}}]}`,
	`{"requests":[{"ctl":{}},{"ctl":null},{"ctl":{"name":""}},{"daemon":"d","ctl":{"addr":"a"}}]}`,
	`{"requests":[{"CTL":{"DAEMON":"x","Addr":"y","uSER":"z","NAME":"n"}}]}`,
	`{"requests":[{"ctl":{"daemon":"a"},"ctl":{"name":"b"}}]}`, `{"requests":[{"ctl":{"daemon":"a"},"ctl":null}]}`,
	`{"requests":[{"ctl":"sendmail"}]}`, `{"requests":[{"ctl":[]}]}`, `{"requests":[{"ctl":1}]}`, `{"requests":[{"ctl":true}]}`,
	`{"requests":[{"ctl":{"daemon":1}}]}`, `{"requests":[{"ctl":{"name":null,"addr":["x"]}}]}`, `{"requests":[{"ctl":{"host":"x"}}]}`,
	`{"requests":[{"ctl":{"user":{"a":1},"extra":2}}]}`, `{"requests":[{"ctl":{"daemon":"\u00e9\ud800","addr":"a\"b"}}]}`,
	"{\"requests\":[{\"ctl\":{\"name\":\"a\xffb\"}}]}",
	// Expectations.
	`{"requests":[{"daemon":"d","client":"c","expect":{"access":"denied","rule":"hosts.deny:1"}},{"expect":null},{"expect":{}}]}`,
	`{"requests":[{"EXPECT":{"ACCESS":"granted","Rule":""}},{"ctl":{"daemon":"x"},"expect":{"access":"delegated"}}]}`,
	`{"requests":[{"expect":{"access":"a"},"expect":{"rule":"b"}}]}`, `{"requests":[{"expect":{"access":"a"},"expect":null}]}`,
	`{"requests":[{"expect":"denied"}]}`, `{"requests":[{"expect":[]}]}`, `{"requests":[{"expect":{"access":1}}]}`,
	`{"requests":[{"expect":{"rule":null,"access":["x"]}}]}`, `{"requests":[{"expect":{"verdict":"x"}}]}`,
}

func TestJSONDecode(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, []byte(c))
	}
	deep := func(n int, open, close string) []byte {
		return []byte(`{"a":` + strings.Repeat(open, n) + strings.Repeat(close, n) + `}`)
	}
	for _, n := range []int{9998, 9999, 10000} {
		checkDecode(t, deep(n, "[", "]"))
		checkDecode(t, deep(n, `{"x":`, "}"))
		checkDecode(t, deep(n, "[", ""))
	}
	many := `{"requests":[` + strings.TrimSuffix(strings.Repeat(`{"daemon":"a"},`, MaxRequests+1), ",") + `]}`
	checkDecode(t, []byte(many))
	checkDecode(t, []byte(`{"allow":"`+strings.Repeat("x", MaxInputSize)+`"}`))
}

func FuzzJSONDecode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

// checkEncode encodes the output values both ways.
func checkEncode(t *testing.T, out Output, check CheckOutput, format FormatOutput, diffs ...DiffOutput) {
	t.Helper()
	for _, d := range diffs {
		if got, want := appendDiffOutput(nil, &d), refEncode(d); !bytes.Equal(got, want) {
			t.Fatalf("DiffOutput:\ngot  %s\nwant %s", got, want)
		}
	}
	if got, want := encodeOutput(out), refEncode(out); !bytes.Equal(got, want) {
		t.Fatalf("Output:\ngot  %s\nwant %s", got, want)
	}
	if got, want := appendCheckOutput(nil, &check), refEncode(check); !bytes.Equal(got, want) {
		t.Fatalf("CheckOutput:\ngot  %s\nwant %s", got, want)
	}
	if got, want := appendFormatOutput(nil, &format), refEncode(format); !bytes.Equal(got, want) {
		t.Fatalf("FormatOutput:\ngot  %s\nwant %s", got, want)
	}
}

// encodeValues builds output values of every shape around the string s
// and the number n.
func encodeValues(s string, n int) (Output, CheckOutput, FormatOutput, DiffOutput) {
	sp := &s
	span := Span{Start: Pos{n, n + 1, -n}, End: Pos{0, 1, 2}}
	r := &Result{Access: s, Reason: s, Options: []Option{}, Commands: []Command{}, Warnings: []string{}, Daemon: s,
		Client: Host{Port: n}, Log: []string{s}, Request: Echo{Daemon: s, ClientPort: uint16(n)}}
	full := &Result{Access: s, Reason: s, Matched: &Rule{File: s, Line: n, Path: s, Text: s},
		Options:  []Option{{Name: s, Value: sp}, {Name: s}},
		Commands: []Command{{Kind: s, Command: s}}, Warnings: []string{s, ""}, Error: s, Daemon: s, User: sp,
		Client: Host{Addr: sp, Name: sp, Port: n}, Server: Host{Addr: sp, Port: -n}, Banner: sp,
		Env: []Env{{Name: s, Value: s}}, Effects: []Effect{{Kind: s, Value: s, Text: s}, {}}, Severity: s, Log: []string{},
		Trace: []Step{{File: s, Line: n, Span: span, Kind: s, Text: s, Daemons: []Token{{Text: s, Span: span, State: s, Depth: n,
			Why: s, Lookups: []string{s}}, {Lookups: []string{}}}, Clients: []Token{}, DaemonMatch: true, Match: n%2 == 0, Note: s},
			{}, {Kind: s, EndLine: n, Count: -n, DaemonLines: 1}},
		Request: Echo{Daemon: s, Client: s, ClientPort: 65535, ServerPort: uint16(n), Address: s, Line: n,
			Ctl: &CtlEcho{Daemon: s, Name: "", Addr: s, User: s}}}
	empty := &Result{Env: []Env{}, Effects: []Effect{}, Trace: []Step{}}
	out := Output{Error: s, Results: []RequestResult{{Predictions: []*Result{r, full, empty, nil}}, {Error: s},
		{Predictions: []*Result{}, Error: s}, {},
		{Predictions: []*Result{r}, Expect: &ExpectResult{Met: n%2 == 0, Got: []Expect{{Access: s, Rule: s}, {Access: s}}}},
		{Error: s, Expect: &ExpectResult{Got: []Expect{}}}, {Expect: &ExpectResult{Met: true}}}}
	check := CheckOutput{Error: s, Diagnostics: []Diagnostic{{File: s, Line: n, Col: n, EndLine: -n, EndCol: 1, Offset: n,
		Severity: s, Code: s, Message: s, Doc: s}, {}}}
	diff := DiffOutput{Error: s, Changes: []DiffChange{
		{Verdict: n%2 == 0, Old: DiffOutcome{Access: s, Rule: s, Text: s, Error: s, Reason: s}, New: DiffOutcome{Access: s, Reason: s},
			Examples: []DiffExample{{Daemon: s, Server: s, ServerPort: uint16(n), Client: s, Name: s, User: s, Text: s}, {}}, Cases: n},
		{Examples: []DiffExample{}}, {}}}
	return out, check, FormatOutput{Error: s, Allow: sp}, diff
}

var encodeStrings = []string{"", "a", "x\"y\\z/", "<&>", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029\u2027", "é😀",
	"a\xffb\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "%q"}

func TestJSONEncode(t *testing.T) {
	for i, s := range encodeStrings {
		o, c, fo, d := encodeValues(s, i*1000-3)
		checkEncode(t, o, c, fo, d)
	}
	checkEncode(t, Output{}, CheckOutput{}, FormatOutput{}, DiffOutput{})
	checkEncode(t, Output{Results: []RequestResult{}}, CheckOutput{Diagnostics: []Diagnostic{}}, FormatOutput{Deny: new(string)}, DiffOutput{Changes: []DiffChange{}})
	// Real outputs, traces included.
	in := `{"allow":"sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9: spawn echo %h: setenv X y: nice: umask 027\nin.ftpd: ALL: banners /b: keepalive: linger 0\n",
		"deny":"ALL: ALL: severity auth.info\n# \u2028 \"x\"\n", "hosts":"10.0.0.1 good.example.com\n",
		"files":{"/b/in.ftpd":"hello %d\n"},
		"requests":[{"daemon":"sshd","client":"good.example.com"},{"daemon":"in.ftpd","client":"10.0.0.9","user":"bob"},
		{"daemon":"a@b","client":"x"},{"daemon":"sshd","client":"nohost.example"},
		{"ctl":{"daemon":"in.ftpd","name":"","addr":"10.0.0.9","user":"bob"}},{"ctl":{"daemon":"sshd"},"user":"x"},
		{"daemon":"sshd","client":"10.0.0.9","expect":{"access":"denied","rule":"hosts.deny:1"}},
		{"daemon":"sshd","client":"nohost.example","expect":{"access":"denied"}},{"daemon":"sshd","client":"x","expect":{"access":"no"}}]}`
	var input Input
	if err := json.Unmarshal([]byte(in), &input); err != nil {
		t.Fatal(err)
	}
	out := Evaluate(input)
	old := input
	old.Old = &Tables{Allow: input.Deny, Deny: input.Allow}
	checkEncode(t, out, Check(input.Policy), Format(input.Policy), Diff(old))
	input.NoTrace = true
	checkEncode(t, Evaluate(input), CheckOutput{}, FormatOutput{})
	if got, want := string(ErrorJSON("x\"\n")), string(refEncode(Output{Error: "x\"\n"})); got != want {
		t.Errorf("ErrorJSON: %s, want %s", got, want)
	}
}

func FuzzJSONEncode(f *testing.F) {
	for i, s := range encodeStrings {
		f.Add(s, i)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		o, c, fo, d := encodeValues(s, n)
		checkEncode(t, o, c, fo, d)
	})
}

// TestPanicError: the panic values the modules meet print as fmt's %v.
func TestPanicError(t *testing.T) {
	var nilMap map[string]int
	var err error
	func() {
		defer func() { err = panicError(recover()) }()
		nilMap["x"] = 1
	}()
	for _, v := range []any{errors.New("e"), "s", 42, err} {
		if got, want := panicError(v).Error(), fmt.Sprintf("internal error: %v", v); got != want {
			t.Errorf("%#v: %q, want %q", v, got, want)
		}
	}
}
