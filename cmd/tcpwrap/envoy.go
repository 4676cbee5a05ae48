package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
)

const envoyUsage = `Usage:
  tcpwrap envoy [flags]

Prints the plugin configuration of tcpwrap's Envoy filter (wasm/envoy)
with the tables on this machine in it: Envoy gives the filter no file
access, so the texts of hosts.allow, hosts.deny and the hosts table travel
in the configuration. The output is a JSON object the filter accepts, or
with --yaml the "configuration" block of an envoy.filters.network.wasm or
envoy.filters.http.wasm typed_config, to paste under its "config:".

Within -d DIR, a missing hosts.allow or hosts.deny is an empty table, as
libwrap reads it (said on standard error). A -d DIR that is not a
directory, and an --allow, --deny or --hosts FILE that does not exist or
is a directory, is an error.

Flags:
  -d DIR            read DIR/hosts.allow and DIR/hosts.deny (default /etc)
  --allow FILE      read hosts.allow from FILE instead
  --deny FILE       read hosts.deny from FILE instead
  --hosts FILE      an /etc/hosts-format table for name lookups (none)
  --daemon NAME     the daemon name the rules are matched against (envoy)
  --profile NAME    debian (default), upstream or freebsd
  --filter KIND     network (default) or http
  --shadow          log and count decisions without enforcing them
  --yaml            print the typed_config's configuration block

Exit status: 0 printed, 1 an unreadable file or a configuration the
filter refuses, 2 usage.
`

// envoyFlags are envoy's flags (envoyUsage lists them).
type envoyFlags struct {
	dir, allow, deny, hosts, daemon, profile, kind *string
	shadow, yaml                                   *bool
}

func newEnvoyFlags() (*flag.FlagSet, envoyFlags) {
	set := newFlagSet("envoy")
	return set, envoyFlags{
		dir:     set.String("d", "/etc", ""),
		allow:   set.String("allow", "", ""),
		deny:    set.String("deny", "", ""),
		hosts:   set.String("hosts", "", ""),
		daemon:  set.String("daemon", "envoy", ""),
		profile: set.String("profile", "debian", ""),
		kind:    set.String("filter", "network", ""),
		shadow:  set.Bool("shadow", false, ""),
		yaml:    set.Bool("yaml", false, ""),
	}
}

func runEnvoy(args []string, stdout, stderr io.Writer) int {
	set, fl := newEnvoyFlags()
	dir, allow, deny, hosts, daemon, profile, kind, shadow, yaml := fl.dir, fl.allow, fl.deny, fl.hosts, fl.daemon, fl.profile, fl.kind, fl.shadow, fl.yaml
	if err := set.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, envoyUsage)
			return exitOK
		}
		return usageFail(stderr, "envoy", err)
	}
	if set.NArg() > 0 {
		return usageFailf(stderr, "envoy", "unexpected operand %q", set.Arg(0))
	}
	if _, err := engine.ParseProfile(*profile); err != nil {
		return usageFail(stderr, "envoy", err)
	}
	if *kind != "network" && *kind != "http" {
		return usageFailf(stderr, "envoy", "--filter %q: want network or http", *kind)
	}
	// A table read from -d DIR may be missing (an empty table, as libwrap
	// reads it); DIR itself, a table named by --allow or --deny and the
	// --hosts file must be there: a typo must not print an
	// allow-everything configuration.
	var named []string
	for _, f := range []*string{allow, deny} {
		if *f != "" {
			named = append(named, *f)
		}
	}
	if *hosts != "" {
		named = append(named, *hosts)
	}
	if *allow == "" || *deny == "" {
		if err := statDir(*dir); err != nil {
			fmt.Fprintf(stderr, "tcpwrap envoy: %v\n", err)
			return exitInput
		}
	}
	for _, f := range named {
		if err := statFile(f); err != nil {
			fmt.Fprintf(stderr, "tcpwrap envoy: %v\n", err)
			return exitInput
		}
	}
	if *allow == "" {
		*allow = filepath.Join(*dir, "hosts.allow")
	}
	if *deny == "" {
		*deny = filepath.Join(*dir, "hosts.deny")
	}

	conf := map[string]any{"daemon": *daemon, "profile": *profile, "filter": *kind}
	if *shadow {
		conf["shadow"] = true
	}
	for _, t := range []struct {
		key, file string
		optional  bool
	}{{"allow", *allow, true}, {"deny", *deny, true}, {"hosts", *hosts, false}} {
		if t.file == "" {
			continue
		}
		text, err := sysdeps.ReadTable(t.file)
		switch {
		case err != nil && t.optional && errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stderr, "tcpwrap envoy: %s does not exist: an empty table, as libwrap reads it\n", t.file)
		case errors.Is(err, engine.ErrTableTooLarge):
			fmt.Fprintf(stderr, "tcpwrap envoy: %v\n", err)
			return exitInput
		case err != nil:
			fmt.Fprintf(stderr, "tcpwrap envoy: %s: %s\n", t.file, sysdeps.Strerror(err))
			return exitInput
		default:
			conf[t.key] = string(text)
		}
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(conf); err != nil {
		fmt.Fprintf(stderr, "tcpwrap envoy: %v\n", err)
		return exitInput
	}
	// What the filter will do with it: refuse it, or warn at start.
	f, err := filter.New(js.Bytes())
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap envoy: the filter refuses this configuration: %v\n", err)
		return exitInput
	}
	for _, d := range f.Diagnostics() {
		fmt.Fprintf(stderr, "tcpwrap envoy: warning: %s (run tcpwrap check for more)\n", d)
	}
	if !*yaml {
		stdout.Write(js.Bytes())
		return exitOK
	}
	fmt.Fprintf(stdout, "configuration:\n  \"@type\": type.googleapis.com/google.protobuf.StringValue\n  value: |\n    %s\n",
		strings.TrimSuffix(js.String(), "\n"))
	return exitOK
}
