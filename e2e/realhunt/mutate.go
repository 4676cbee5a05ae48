package realhunt

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
)

// Mutate applies 1 to 3 small edits to a table at random positions,
// biased towards the places where readers break: backslashes before a
// newline, '#' or ':', comment and field characters, CR, NUL, tabs and
// other white space, joined and duplicated lines, the case of keywords
// and option names, pattern characters, appended options, an over-long
// line, a missing final newline. It returns the new text and a short
// description of each edit (for reproducing and minimising).
func Mutate(text string, r *rand.Rand) (string, []string) {
	n := 1 + r.Intn(3)
	var did []string
	for i := 0; i < n; i++ {
		var d string
		text, d = mutateOnce(text, r)
		did = append(did, d)
	}
	return text, did
}

// insertable are the characters and strings inserted at biased positions.
var insertable = []string{"\\", "\\", "#", ":", "[", "]", ",", "\r", "\x00", "\t", "\v", "\f", " ", "\\ ", "\\\t", "@", "/", "*", "?", "."}

// keywords whose case is changed.
var keywordRe = regexp.MustCompile(`(?i)\b(ALL|LOCAL|KNOWN|UNKNOWN|PARANOID|EXCEPT|allow|deny|spawn|twist|severity|banners|setenv|umask|user|group|keepalive|linger|nice|rfc931|rfc1413|aclexec)\b`)

// patternBits are inserted into lists.
var patternBits = []string{" EXCEPT ", " except ", "@", "/", "*", "?", ".", " EXCEPT @x ", " LOCAL", " KNOWN",
	" UNKNOWN", " PARANOID", " ALL", "[", "]", "/24", "/255.255.255.0", " /etc/hosts.allow", " @trusted",
	" 1.2.3.4/255.255.255.0", " [::1]/64", " .example.com", " KNOWN@", " ALL@ALL", " alice@good.example.com",
	" 10.0.0.", " 10.0.0.0/33", " [fe80::1%eth0]", " [2001:db8::1%lo]", " 192.168.0.0/16", " 1.2.3.4/255.255.255.255.0", " *.example.com",
	" 10.?.0.1", " good", " ::1", " [::1]", " [2001:db8::]/32", " 10.0.0.1/", " /", " nodots", " FAIL", " @"}

// options appended to a rule.
var appendable = []string{
	": spawn echo %a %h %u %d %c %s %%", // %p: the pid, a known difference
	": severity auth.info",
	": twist /bin/echo x",
	": banners /etc/banners",
	": setenv A B",
	": umask 022",
	": user nobody",
	": allow",
	": deny",
	": keepalive",
	": linger 5",
	": nice 5",
	": rfc931 1",
	": ALLOW",
	": DENY",
	": spawn echo %A %H %n %N %r %R %v",
	": severity 3",
	": severity local0.bogus",
	": setenv X",
	": keepalive yes",
	": spawn",
	": umask 999",
	": linger",
	": nice -5",
	": severity = auth.info",
	": setenv=A B",
	": user nobody.nogroup",
	": group nogroup",
	": rfc931 x",
	": banners",
	": twist",
	": allow : spawn echo x",
	": deny : deny",
	": spawn echo %",
	": unknown_option",
	": twist echo %x %h : spawn echo y",
	": banners banners",
}

// positions returns every index in text where one of the bytes occurs.
func positions(text string, set string) []int {
	var out []int
	for i := 0; i < len(text); i++ {
		if strings.IndexByte(set, text[i]) >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// pick chooses a position: most of the time next to a character readers
// care about, otherwise anywhere.
func pick(text string, r *rand.Rand) int {
	if len(text) == 0 {
		return 0
	}
	sets := []string{"\n", "\n", "#", ":", ":", ",", " \t", "[]", "\\", "./@"}
	if r.Intn(5) > 0 {
		if ps := positions(text, sets[r.Intn(len(sets))]); len(ps) > 0 {
			p := ps[r.Intn(len(ps))]
			if r.Intn(4) == 0 && p < len(text) {
				p++ // just after
			}
			return p
		}
	}
	return r.Intn(len(text) + 1)
}

// lineBounds gives the start and end (index of '\n' or len) of the line
// holding p.
func lineBounds(text string, p int) (int, int) {
	if p > len(text) {
		p = len(text)
	}
	s := strings.LastIndexByte(text[:p], '\n') + 1
	e := strings.IndexByte(text[p:], '\n')
	if e < 0 {
		return s, len(text)
	}
	return s, p + e
}

// ruleLineEnds lists the ends of lines that look like rules (have a ':'
// and do not start with '#').
func ruleLineEnds(text string) []int {
	var out []int
	start := 0
	for start <= len(text) {
		e := strings.IndexByte(text[start:], '\n')
		end := len(text)
		if e >= 0 {
			end = start + e
		}
		l := text[start:end]
		if !strings.HasPrefix(strings.TrimLeft(l, " \t"), "#") && strings.Contains(l, ":") {
			out = append(out, end)
		}
		if e < 0 {
			break
		}
		start = end + 1
	}
	return out
}

func mutateOnce(text string, r *rand.Rand) (string, string) {
	switch k := r.Intn(20); {
	case k < 5: // insert a character at a biased position, often in a rule
		p := pick(text, r)
		if ends := ruleLineEnds(text); len(ends) > 0 && r.Intn(2) == 0 {
			e := ends[r.Intn(len(ends))]
			s, _ := lineBounds(text, e)
			p = s + pick(text[s:e], r)
		}
		s := insertable[r.Intn(len(insertable))]
		return text[:p] + s + text[p:], fmt.Sprintf("insert %q at %d", s, p)
	case k < 7: // delete a special character
		ps := positions(text, "\\#:[],\n\r\t @/.")
		if len(ps) == 0 {
			return text, "nothing to delete"
		}
		p := ps[r.Intn(len(ps))]
		return text[:p] + text[p+1:], fmt.Sprintf("delete %q at %d", text[p:p+1], p)
	case k == 7: // CR before a LF
		ps := positions(text, "\n")
		if len(ps) == 0 {
			return text + "\r", "append CR"
		}
		p := ps[r.Intn(len(ps))]
		return text[:p] + "\r" + text[p:], fmt.Sprintf("CR at %d", p)
	case k == 8: // duplicate a line
		p := r.Intn(len(text) + 1)
		s, e := lineBounds(text, p)
		line := text[s:e]
		return text[:s] + line + "\n" + text[s:], fmt.Sprintf("duplicate line at %d", s)
	case k == 9: // join two lines, plainly or with a backslash
		ps := positions(text, "\n")
		if len(ps) == 0 {
			return text, "nothing to join"
		}
		p := ps[r.Intn(len(ps))]
		if r.Intn(2) == 0 {
			return text[:p] + text[p+1:], fmt.Sprintf("join at %d", p)
		}
		return text[:p] + "\\" + text[p:], fmt.Sprintf("backslash-join at %d", p)
	case k < 12: // change the case of a keyword
		locs := keywordRe.FindAllStringIndex(text, -1)
		if len(locs) == 0 {
			return text, "no keyword"
		}
		l := locs[r.Intn(len(locs))]
		w := text[l[0]:l[1]]
		var nw string
		switch r.Intn(3) {
		case 0:
			nw = strings.ToLower(w)
		case 1:
			nw = strings.ToUpper(w)
		default:
			nw = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
		}
		return text[:l[0]] + nw + text[l[1]:], fmt.Sprintf("case %q->%q at %d", w, nw, l[0])
	case k < 14: // pattern characters or EXCEPT in a pattern list
		ends := ruleLineEnds(text)
		if len(ends) == 0 {
			return text, "no rule"
		}
		e := ends[r.Intn(len(ends))]
		s, _ := lineBounds(text, e)
		line := text[s:e]
		c := strings.IndexByte(line, ':')
		// a position inside the line, after its first colon half the time
		lo := 0
		if r.Intn(2) == 0 {
			lo = c + 1
		}
		p := s + lo + r.Intn(len(line)-lo+1)
		ins := patternBits[r.Intn(len(patternBits))]
		return text[:p] + ins + text[p:], fmt.Sprintf("pattern %q at %d", ins, p)
	case k < 17: // append an option to a rule
		ends := ruleLineEnds(text)
		if len(ends) == 0 {
			return text, "no rule"
		}
		e := ends[r.Intn(len(ends))]
		o := appendable[r.Intn(len(appendable))]
		if e > 0 && text[e-1] == '\r' && r.Intn(2) == 0 {
			e--
		}
		return text[:e] + " " + o + text[e:], fmt.Sprintf("option %q at %d", o, e)
	case k == 17: // a line over (or at) the 2047-byte limit
		p := r.Intn(len(text) + 1)
		s, e := lineBounds(text, p)
		target := 2040 + r.Intn(20)
		if r.Intn(3) == 0 {
			target = 2046 + r.Intn(3)
		}
		var b strings.Builder
		b.WriteString(text[s:e])
		if b.Len() == 0 {
			b.WriteString("ALL: 10.0.0.1")
		}
		filler := []string{" ", ", 10.1.2.3", ",x", "\t"}[r.Intn(4)]
		for b.Len() < target {
			b.WriteString(filler)
		}
		line := b.String()[:target]
		return text[:s] + line + text[e:], fmt.Sprintf("long line %d bytes at %d", target, s)
	case k == 18: // remove the final newline
		if t := strings.TrimRight(text, "\n"); t != text {
			return t, "no final newline"
		}
		return text + "\\", "append backslash"
	default: // backslash at the end of a line, maybe with trailing blanks
		ps := positions(text, "\n")
		if len(ps) == 0 {
			return text + "\\", "append backslash"
		}
		p := ps[r.Intn(len(ps))]
		s := []string{"\\", "\\ ", "\\\t", "\\\r", " \\"}[r.Intn(5)]
		return text[:p] + s + text[p:], fmt.Sprintf("end %q at %d", s, p)
	}
}

// MutantCases builds cases from mutated copies of the files: per file,
// mutants mutants, each as hosts.allow with a hosts.deny of ALL: ALL, as
// hosts.deny, or paired with another (mutated) file of its repository.
// Requests are derived from the mutated text and cut to at most maxReqs
// per case (spread over the list).
func MutantCases(files []File, seed int64, mutants, maxReqs int) []Case {
	r := rand.New(rand.NewSource(seed))
	var out []Case
	deny := "ALL: ALL\n"
	for fi, f := range files {
		for m := 0; m < mutants; m++ {
			t, did := Mutate(f.Text, r)
			name := fmt.Sprintf("%s mutant %d [%s]", f.Name, m, strings.Join(did, "; "))
			var allow, dn *string
			switch r.Intn(4) {
			case 0:
				allow, dn = &t, &deny
				name += " as allow, deny ALL"
			case 1:
				dn = &t
				name += " as deny"
			case 2:
				allow = &t
				name += " as allow"
			default:
				o := files[(fi+1+r.Intn(len(files)))%len(files)]
				t2, did2 := Mutate(o.Text, r)
				allow, dn = &t, &t2
				name += fmt.Sprintf(" as allow, %s [%s] as deny", o.Name, strings.Join(did2, "; "))
			}
			var texts []string
			for _, p := range []*string{allow, dn} {
				if p != nil {
					texts = append(texts, *p)
				}
			}
			reqs, hosts, tcpd := Derive(texts...)
			reqs = spread(reqs, maxReqs, r)
			out = append(out, Case{Name: name, Allow: allow, Deny: dn, Hosts: hosts, Requests: reqs, Tcpdmatch: tcpd,
				Netgroup: "trusted (good.example.com,,) (,alice,)\nwheel (good.example.com,,)\n",
				Files:    map[string]string{}})
		}
	}
	return out
}

// spread keeps at most n of the requests, sampled at random but always
// the first (sshd from the first client).
func spread(reqs []Request, n int, r *rand.Rand) []Request {
	if n <= 0 || len(reqs) <= n {
		return reqs
	}
	keep := []Request{reqs[0]}
	perm := r.Perm(len(reqs) - 1)[:n-1]
	for _, i := range perm {
		keep = append(keep, reqs[1+i])
	}
	return keep
}
