// Command sifverify signs and verifies SIF files with the reference library
// github.com/sylabs/sif/v2/pkg/integrity.
//
//	sifverify verify FILE [--key PUB.pem]... [--keyring FILE.asc] [--group N]... [--object N]... [--legacy] [--legacy-all]
//	sifverify sign   FILE [--key PRIV.pem]... [--keyring FILE.asc]
//
// Exit status 0 on success; otherwise the error is printed to stderr and the exit status is 1
// (2 for a usage error).
package main

import (
	"crypto"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sylabs/sif/v2/pkg/integrity"
	"github.com/sylabs/sif/v2/pkg/sif"
)

const usage = `usage: sifverify verify FILE [--key PUB.pem]... [--keyring FILE.asc] [--group N]... [--object N]... [--legacy] [--legacy-all]
       sifverify sign FILE [--key PRIV.pem]... [--keyring FILE.asc]`

type args struct {
	file, keyring     string
	keys              []string
	groups, objects   []uint32
	legacy, legacyAll bool
}

func parse(cmd string, av []string) (a args, err error) {
	for i := 0; i < len(av); i++ {
		val := func() (string, error) {
			if i+1 >= len(av) {
				return "", fmt.Errorf("%s needs a value", av[i])
			}
			i++
			return av[i], nil
		}
		num := func() (uint32, error) {
			s, err := val()
			if err != nil {
				return 0, err
			}
			n, err := strconv.ParseUint(s, 10, 32)
			return uint32(n), err
		}
		var s string
		var n uint32
		switch f := av[i]; {
		case f == "--key":
			if s, err = val(); err == nil {
				a.keys = append(a.keys, s)
			}
		case f == "--keyring":
			a.keyring, err = val()
		case f == "--group" && cmd == "verify":
			if n, err = num(); err == nil {
				a.groups = append(a.groups, n)
			}
		case f == "--object" && cmd == "verify":
			if n, err = num(); err == nil {
				a.objects = append(a.objects, n)
			}
		case f == "--legacy" && cmd == "verify":
			a.legacy = true
		case f == "--legacy-all" && cmd == "verify":
			a.legacyAll = true
		case len(f) > 1 && f[0] == '-' || a.file != "":
			err = fmt.Errorf("unexpected argument %q", f)
		default:
			a.file = f
		}
		if err != nil {
			return a, err
		}
	}
	if a.file == "" {
		err = errors.New("missing FILE")
	}
	return a, err
}

func readKeyRing(path string) (openpgp.EntityList, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return openpgp.ReadArmoredKeyRing(r)
}

func verify(a args) error {
	var opts []integrity.VerifierOpt
	for _, k := range a.keys {
		b, err := os.ReadFile(k)
		if err != nil {
			return err
		}
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(b)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		v, err := signature.LoadVerifier(pub, crypto.SHA256)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		opts = append(opts, integrity.OptVerifyWithVerifier(v))
	}
	if a.keyring != "" {
		kr, err := readKeyRing(a.keyring)
		if err != nil {
			return fmt.Errorf("%s: %w", a.keyring, err)
		}
		opts = append(opts, integrity.OptVerifyWithKeyRing(kr))
	}
	for _, g := range a.groups {
		opts = append(opts, integrity.OptVerifyGroup(g))
	}
	for _, o := range a.objects {
		opts = append(opts, integrity.OptVerifyObject(o))
	}
	if a.legacy {
		opts = append(opts, integrity.OptVerifyLegacy())
	}
	if a.legacyAll {
		opts = append(opts, integrity.OptVerifyLegacyAll())
	}
	f, err := sif.LoadContainerFromPath(a.file, sif.OptLoadWithFlag(os.O_RDONLY))
	if err != nil {
		return err
	}
	defer f.UnloadContainer()
	v, err := integrity.NewVerifier(f, opts...)
	if err != nil {
		return err
	}
	return v.Verify()
}

func sign(a args) error {
	var opts []integrity.SignerOpt
	for _, k := range a.keys {
		b, err := os.ReadFile(k)
		if err != nil {
			return err
		}
		priv, err := cryptoutils.UnmarshalPEMToPrivateKey(b, cryptoutils.SkipPassword)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		s, err := signature.LoadSigner(priv, crypto.SHA256)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		opts = append(opts, integrity.OptSignWithSigner(s))
	}
	if a.keyring != "" {
		kr, err := readKeyRing(a.keyring)
		if err != nil {
			return fmt.Errorf("%s: %w", a.keyring, err)
		}
		if len(kr) == 0 {
			return fmt.Errorf("%s: no entity", a.keyring)
		}
		opts = append(opts, integrity.OptSignWithEntity(kr[0]))
	}
	f, err := sif.LoadContainerFromPath(a.file)
	if err != nil {
		return err
	}
	s, err := integrity.NewSigner(f, opts...)
	if err == nil {
		err = s.Sign()
	}
	if uerr := f.UnloadContainer(); err == nil {
		err = uerr
	}
	return err
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "verify" && os.Args[1] != "sign") {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	a, err := parse(os.Args[1], os.Args[2:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "sifverify: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	if os.Args[1] == "verify" {
		err = verify(a)
	} else {
		err = sign(a)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sifverify: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
