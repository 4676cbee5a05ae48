// Package engine is the TCP Wrappers access-control language —
// hosts.allow and hosts.deny, hosts_access(5) and hosts_options(5) — with
// the decisions of Debian's libwrap 7.6.q, and of FreeBSD's and upstream
// 7.6's libwrap as profiles.
//
// The engine does no I/O: tables arrive as bytes, names, addresses,
// netgroups and users come from a [Resolver], /path pattern files and
// banner directories from [Files]. It never runs a command: spawn, twist
// and aclexec are reported expanded in the [Decision].
//
// # Use
//
//	allow := engine.Parse("hosts.allow", allowText, engine.Debian)
//	deny := engine.Parse("hosts.deny", denyText, engine.Debian)
//	p := &engine.Policy{Allow: allow, Deny: deny, Resolver: engine.NewHostsResolver("hosts", hostsText)}
//	d := p.Evaluate(engine.Request{Daemon: "sshd", Client: engine.Endpoint{Socket: addrPort}})
//	// d.Access, d.Matched, d.Options, d.Log, d.Trace
//
// A daemon that calls hosts_ctl(daemon, name, addr, user) with strings
// rather than a socket is asked about with [CtlRequest]:
//
//	d := p.Evaluate(engine.CtlRequest("rpcbind", "", "10.0.0.1", ""))
//
// [Policy.Evaluate] records a trace of every line read; [Policy.Decide]
// gives the same answer without it, skipping lines through an index.
// [Policy.Tcpdmatch] predicts the way tcpdmatch does ([Policy.TcpdmatchWith]
// with its inetd.conf analysis and file checks, given a [ModeFiles]),
// [Policy.Tcpdchk] examines every rule the way tcpdchk does, and [Query]
// builds requests from tcpwrap match's operands. A [Decider] makes many
// decisions in reused memory (quiet: verdict and rule only).
//
// [Check] reports problems with stable codes ([CheckDocs]); [Reach] finds
// rules no request can reach, with a proving request for every other rule;
// [Diff] finds the requests two versions of the tables decide differently,
// grouped by what decides them in each, with example requests;
// [Format] rewrites a table in a canonical layout that keeps every
// decision.
//
// Decisions, Check, Reach and Diff have forms that take a context.Context
// ([Policy.EvaluateContext], [Policy.DecideContext],
// [Decider.DecideContext], [CheckContext], [ReachContext], [DiffContext]) for callers
// that must give up, such as a server past its deadline: the work stops
// soon after the context is done and returns [ErrCanceled] instead of an
// answer.
//
// # Grammar
//
// A table is read one logical line at a time (spec §2). Text is bytes;
// letters compare without case (ASCII) except in netgroups.
//
//	table       = { line } .
//	line        = physical { "\" LF physical } LF .      (at most 2,046 bytes, continuations removed)
//	logical     = comment | blank | rule | other .
//	comment     = "#" { byte } .                          (only in column 1; FreeBSD: from any unescaped "#")
//	blank       = { " " | TAB | CR } .
//	rule        = daemon_list ":" client_list [ ":" third ] .   (":" inside [ ] does not split)
//	other       = text without ":" outside [ ] .           (warned: missing ":" separator)
//	daemon_list = list(daemon_pattern) .
//	client_list = list(client_pattern) .
//	list(p)     = { sep } p { sep { sep } p } [ sep EXCEPT list(p) ] .
//	sep         = " " | TAB | "," | CR | LF .
//	daemon_pattern = string_pattern [ "@" host_pattern ] | port .   (port: Debian only)
//	client_pattern = [ string_pattern "@" ] host_pattern .
//	host_pattern   = "@" netgroup | "/" path | "KNOWN" | "LOCAL"
//	               | net "/" mask | string_pattern .
//	string_pattern = wildcard | "." suffix | "ALL" | "KNOWN" | prefix "." | "[" ipv6 "]" | word .
//	third       = option { ":" option } .                 (options builds; "\:" is a literal colon)
//	option      = keyword [ [ "=" ] value ] .
//
// Matching follows libwrap's algorithm exactly: the first matching line
// of hosts.allow grants, else the first of hosts.deny denies, else access
// is granted; lists are OR, EXCEPT is right-nested AND NOT; lookups are
// lazy and cached, so their order shows in %h and in the warnings.
//
// # Section map
//
// The behavioural specification is ../shared/spec/hosts_access.md; the
// code cites its sections. Every vector of that spec is a golden case
// under testdata/ (verified ones under testdata/vectors, the derived
// FreeBSD and upstream ones under testdata/derived). Cases found since
// by comparing with the real binaries are under testdata/found, and
// under testdata/glibc those whose texts only glibc's own resolver gives
// (the differential harness answers names through nss_wrapper).
//
// # Deviations
//
// Where libwrap does not decide at all, the engine denies and sets
// [Decision.Error]:
//   - a /path pattern file that reaches itself (libwrap recurses until it
//     crashes), and chains deeper than [MaxPatternFileDepth];
//   - an expansion longer than libwrap's buffer (libwrap logs, sleeps 5
//     seconds and exits).
//
// Under the FreeBSD profile, a line longer than 2,046 bytes, on which
// FreeBSD's reader loops forever, is skipped with the warning libwrap
// gives before it hangs, and the decision goes on with the next line.
// (Upstream's default build reads the rest of such a line as the next
// line, and so does the engine.)
//
// libwrap's process-wide state (the "resident" flag that refuses twist
// from the second decision on, the IDENT timeout set by rfc931) is kept
// per decision. Debian's user/group dry-run bug (tcpdmatch switching ids)
// is not emulated: user and group are looked up and never change anything.
package engine
