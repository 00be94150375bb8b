// Command cdi-reference applies CDI devices to an OCI runtime spec with the reference library
// (Debian's golang-github-container-orchestrated-devices-container-device-interface-dev), so that
// Sifkube's own resolver can be checked against it (CdiReferenceIT).
//
//	cdi-reference DIR[,DIR...] SPEC.json NAME...  prints the edited spec as JSON
//	cdi-reference -errors DIR[,DIR...]            prints the files the reference refuses
//	cdi-reference -bench N DIRS SPEC.json NAME... times N injections (for e2e/bench/cdi-bench.sh)
//
// A refused injection prints the reference's message on stderr and exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/container-orchestrated-devices/container-device-interface/pkg/cdi"
	oci "github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "-errors" {
		cache := newCache(os.Args[2])
		var files []string
		for path := range cache.GetErrors() {
			files = append(files, path)
		}
		sort.Strings(files)
		out(files)
		return
	}
	if len(os.Args) >= 6 && os.Args[1] == "-bench" {
		bench(os.Args[2], os.Args[3], os.Args[4], os.Args[5:])
		return
	}
	if len(os.Args) < 3 {
		fail("usage: cdi-reference DIRS SPEC.json NAME... | cdi-reference -errors DIRS")
	}
	cache := newCache(os.Args[1])
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err.Error())
	}
	var spec oci.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		fail(err.Error())
	}
	if _, err := cache.InjectDevices(&spec, os.Args[3:]...); err != nil {
		fail(err.Error())
	}
	out(&spec)
}

// bench times n injections into fresh copies of the spec after a warm-up, with the cache
// refreshed once (as a long-running client of the library would), and prints the mean in ns of
// an injection: the time of decoding a copy and injecting, less that of decoding a copy alone.
func bench(count, dirs, specFile string, names []string) {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		fail("-bench: not a count: " + count)
	}
	cache := newCache(dirs)
	data, err := os.ReadFile(specFile)
	if err != nil {
		fail(err.Error())
	}
	copySpec := func() *oci.Spec {
		var spec oci.Spec
		if err := json.Unmarshal(data, &spec); err != nil {
			fail(err.Error())
		}
		return &spec
	}
	inject := func() {
		if _, err := cache.InjectDevices(copySpec(), names...); err != nil {
			fail(err.Error())
		}
	}
	for i := 0; i < n/10+1; i++ {
		inject()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		inject()
	}
	both := time.Since(start).Nanoseconds()
	start = time.Now()
	for i := 0; i < n; i++ {
		copySpec()
	}
	fmt.Println((both - time.Since(start).Nanoseconds()) / int64(n))
}

func newCache(dirs string) *cdi.Cache {
	cache, err := cdi.NewCache(cdi.WithSpecDirs(strings.Split(dirs, ",")...), cdi.WithAutoRefresh(false))
	if cache == nil {
		fail(fmt.Sprint(err))
	}
	// A refresh error only reports files the cache dropped; the others still serve.
	_ = cache.Refresh()
	return cache
}

func out(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err.Error())
	}
	os.Stdout.Write(b)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
