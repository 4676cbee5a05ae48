package engine

// Access is the outcome of a decision.
type Access string

const (
	Granted   Access = "granted"
	Denied    Access = "denied"
	Delegated Access = "delegated" // a twist option took the connection over
)

// A RuleRef names one rule: the table and libwrap's line number.
type RuleRef struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Span is the rule's position in its table.
	Span Span `json:"span"`
}

// An OptionRun is one option as libwrap logged it ("option:   NAME VALUE"):
// the keyword as written and the value after %-expansion (nil: none).
type OptionRun struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
	Span  Span    `json:"span"`
}

// A Command is a shell command a rule would run. The engine never runs
// one; Kind is "spawn", "twist", "aclexec" or "shell" (the third field of
// builds without options).
type Command struct {
	Kind    string `json:"kind"`
	Command string `json:"command"`
}

// An EnvVar is one setenv option's effect.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// An Effect is one change an option makes to the daemon's process or to
// its connection, as libwrap makes it: the engine only reports it. Kind
// and Value are
//
//	"nice"       the increment, decimal ("10" for a bare nice)
//	"umask"      the mask, three octal digits ("022")
//	"keepalive"  "" (SO_KEEPALIVE on)
//	"linger"     the seconds, decimal ("0": SO_LINGER off)
//	"group"      the group name (setgid), before the user's
//	"user"       the user name (setuid)
//
// Debian's libwrap switches no ids: under the Debian profile the user
// and group options only look their names up and make no Effect.
// hosts_ctl gives libwrap no descriptor: keepalive and linger are tried
// and fail, with a warning. tcpdmatch (Policy.DryRun) makes only the
// umask change.
type Effect struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// String renders e as the call libwrap makes: "nice(10)", "umask(022)",
// "setsockopt(SO_KEEPALIVE)", "setsockopt(SO_LINGER, 7 s)" (or "off"),
// "setgid(nogroup)", "setuid(nobody)".
func (e Effect) String() string {
	switch e.Kind {
	case "nice", "umask":
		return e.Kind + "(" + e.Value + ")"
	case "keepalive":
		return "setsockopt(SO_KEEPALIVE)"
	case "linger":
		if e.Value == "0" {
			return "setsockopt(SO_LINGER, off)"
		}
		return "setsockopt(SO_LINGER, " + e.Value + " s)"
	case "group":
		return "setgid(" + e.Value + ")"
	case "user":
		return "setuid(" + e.Value + ")"
	}
	return e.Kind + "(" + e.Value + ")"
}

// HostInfo is what libwrap knew about an endpoint when the decision ended.
// Empty strings are attributes that were never evaluated.
type HostInfo struct {
	Addr string `json:"addr"`
	Name string `json:"name"`
	Port int    `json:"port"`
}

// A Decision is the engine's answer for one request.
type Decision struct {
	Access Access `json:"access"`
	// Matched is the deciding rule, or nil when no rule decided (the
	// default grant, or a table error).
	Matched *RuleRef `json:"matched"`
	// Matches lists every rule libwrap reported as matched, in order (a
	// failed aclexec can add one before the deciding rule).
	Matches []RuleRef `json:"matches,omitempty"`
	// Options are the options that ran, in order, with expanded values.
	Options []OptionRun `json:"options"`
	// Commands are the commands that would run. None ever runs.
	Commands []Command `json:"commands,omitempty"`
	// Banner is the text the banners option would send to the client.
	Banner string   `json:"banner,omitempty"`
	Env    []EnvVar `json:"env,omitempty"`
	// Effects are the changes the options make to the daemon's process
	// and connection, in order. None is ever made.
	Effects []Effect `json:"effects,omitempty"`
	// Severity is the syslog priority set by a severity option ("" when
	// the default applies).
	Severity string `json:"severity,omitempty"`
	// Log is every message libwrap would log, in order and in its words
	// ("matched:  hosts.deny line 1", "warning: hosts.allow, line 3: ...").
	Log []string `json:"log"`
	// Warnings are the warning: and error: lines of Log.
	Warnings []string `json:"warnings"`
	// Reason says in one sentence why the access is what it is.
	Reason string `json:"reason"`
	// Error is set when libwrap would not have decided at all (it exits or
	// crashes); the engine then denies.
	Error string `json:"error,omitempty"`

	Daemon string   `json:"daemon"`
	User   string   `json:"user"`
	Client HostInfo `json:"client"`
	Server HostInfo `json:"server"`

	// Probe is the request's Probe template expanded after the decision.
	Probe string `json:"probe,omitempty"`

	// Trace explains the decision line by line; nil unless requested.
	Trace []Step `json:"trace,omitempty"`

	primeEnd int       // Log entries written before the tables were read
	primed   [6]string // tcpdmatch's client/server lines, when primed
	stdout   []outChunk
	paranoid bool // upstream PARANOID mode refused the client
	// exited: libwrap ended the process without a decision (percent_x's
	// overflow): tcpdmatch and tcpdchk print nothing more.
	exited bool
}

// outChunk is text libwrap writes to the client (banners) or tcpdmatch to
// its standard output ("command:" lines), before Log entry at.
type outChunk struct {
	at   int
	text string
	// glue: a line of text without its newline (upstream's "command:"
	// line of a command that lost its newline to an expansion): what
	// tcpdmatch prints next continues it.
	glue bool
}

// A Step is one logical line libwrap read, and what it made of it.
type Step struct {
	File string   `json:"file"`
	Line int      `json:"line"`
	Span Span     `json:"span"`
	Kind LineKind `json:"kind"`
	Text string   `json:"text"`
	// Daemons and Clients explain the two lists, token by token; Clients
	// is nil when the daemon list did not match (libwrap stops there).
	Daemons []TokenStep `json:"daemons,omitempty"`
	Clients []TokenStep `json:"clients,omitempty"`
	// DaemonMatch, ClientMatch and Match give the results.
	DaemonMatch bool `json:"daemonMatch"`
	ClientMatch bool `json:"clientMatch"`
	Match       bool `json:"match"`
	// Note explains a line that was not a rule, what followed a match, or
	// the error that ended the decision on this line.
	Note string `json:"note,omitempty"`
}

// A TokenStep is one token of a list as evaluated.
type TokenStep struct {
	Text string `json:"text"`
	Span Span   `json:"span"`
	// State is "match", "no-match", "except" (the operator, reached),
	// "skipped" (not evaluated), or "error" (its evaluation ended the
	// decision, as Why says: a pattern file that includes itself).
	State string `json:"state"`
	// Depth counts the EXCEPT operators before the token: tokens at an
	// odd depth exclude.
	Depth int `json:"depth"`
	// Why explains the result: the form of the pattern and what it was
	// compared with.
	Why string `json:"why,omitempty"`
	// Lookups lists what had to be looked up for this token.
	Lookups []string `json:"lookups,omitempty"`
}
