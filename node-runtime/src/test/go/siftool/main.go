// Command siftool is the reference SIF implementation's siftool (sylabs/sif v2, pkg/siftool), built
// by hack/sif-reference.sh from Debian's golang-github-sylabs-sif-dev so that the tests compare
// sifctl's views of a SIF with what the reference prints. Only the command wiring is here; every
// command is the reference's own.
package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/sylabs/sif/v2/pkg/siftool"
)

func main() {
	root := &cobra.Command{Use: "siftool", SilenceUsage: true}
	if err := siftool.AddCommands(root); err != nil {
		os.Exit(2)
	}
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
