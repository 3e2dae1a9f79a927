// Package flagenv lets every flag of a [flag.FlagSet] be set by an
// environment variable too, so that one server binary is configured the
// same way on a command line, in a Dockerfile, a compose file or a
// Kubernetes manifest.
//
// The variable of a flag is the prefix ("GAMESRV_" by default) followed by
// the flag's name in upper case, every character other than a letter or a
// digit becoming "_": -tcp is GAMESRV_TCP, -gossip-key is
// GAMESRV_GOSSIP_KEY, -v is GAMESRV_V. A flag given on the command line
// wins over its variable, and a variable over the flag's default. A
// variable that is set, even to the empty string, counts:
// GAMESRV_KCP= turns off a listener whose flag says "empty: none". Values
// are parsed by the flag itself, as on the command line (a duration is
// "30s", a boolean "true" or "1"). Variables that name no flag are
// ignored.
//
// [Parse] replaces flag.Parse in a main:
//
//	tcpAddr := flag.String("tcp", "127.0.0.1:3250", "TCP listen address")
//	if err := flagenv.Parse(flag.CommandLine, os.Args[1:], flagenv.Options{}); err != nil {
//		return err
//	}
//
// and -h lists each flag with its variable.
package flagenv

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// DefaultPrefix is the prefix of the variables when Options.Prefix is
// empty.
const DefaultPrefix = "GAMESRV_"

// Options configures [Parse]. The zero value gives the defaults written on
// each field.
type Options struct {
	// Prefix starts the name of every variable. Default "GAMESRV_"
	// ([DefaultPrefix]).
	Prefix string

	// Lookup reads a variable, returning whether it is set. Default
	// os.LookupEnv; tests give a map's lookup.
	Lookup func(name string) (string, bool)
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Lookup == nil {
		o.Lookup = os.LookupEnv
	}
	return o
}

// Name returns the environment variable of the flag named flagName:
// prefix, then the name in upper case with every character other than an
// ASCII letter or digit replaced by "_". Name("GAMESRV_", "gossip-key")
// is "GAMESRV_GOSSIP_KEY".
func Name(prefix, flagName string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(flagName))
	b.WriteString(prefix)
	for _, r := range flagName {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Parse parses args (without the program name) into fs, then sets every
// flag that args did not give from its environment variable, when that is
// set. Before parsing it appends "(env NAME)" to the usage of each flag and
// a paragraph on the mapping to fs's usage, so -h prints them; the
// defaults -h prints are the flags' own, never a variable's value (a
// secret in the environment is not shown).
//
// Errors of the command line are handled as fs's ErrorHandling says, as by
// fs.Parse (flag.CommandLine exits). A variable whose value the flag
// rejects is an error naming the variable, returned whatever the
// ErrorHandling; errors of several variables are joined.
func Parse(fs *flag.FlagSet, args []string, opts Options) error {
	opts = opts.withDefaults()
	Annotate(fs, opts.Prefix)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return Apply(fs, opts)
}

// Apply sets every flag of fs that was not set on the command line from
// its environment variable, when that is set. Call it after fs.Parse;
// [Parse] does both.
func Apply(fs *flag.FlagSet, opts Options) error {
	opts = opts.withDefaults()
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := Name(opts.Prefix, f.Name)
		v, ok := opts.Lookup(name)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s (flag -%s): %w", name, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// footer is the paragraph Annotate adds to a flag set's usage; %s is the
// prefix.
const footer = "\nEvery flag can also be set by an environment variable, named after the flag:\n" +
	"the prefix %s, then the name in upper case with - as _ (-gossip-key: %sGOSSIP_KEY).\n" +
	"A flag on the command line wins over its variable.\n"

// Annotate appends "(env NAME)" to the usage of every flag of fs, and to
// fs's usage a paragraph that explains the mapping. [Parse] calls it; call
// it yourself only to print the usage without parsing. A second call on
// the same flag set changes nothing.
func Annotate(fs *flag.FlagSet, prefix string) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	done := false
	fs.VisitAll(func(f *flag.Flag) {
		suffix := " (env " + Name(prefix, f.Name) + ")"
		if strings.HasSuffix(f.Usage, suffix) {
			done = true
			return
		}
		f.Usage += suffix
	})
	if done {
		return
	}
	usage := fs.Usage
	fs.Usage = func() {
		if usage != nil {
			usage()
		} else {
			if fs.Name() == "" {
				fmt.Fprintf(fs.Output(), "Usage:\n")
			} else {
				fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
			}
			fs.PrintDefaults()
		}
		fmt.Fprintf(fs.Output(), footer, prefix, prefix)
	}
}
