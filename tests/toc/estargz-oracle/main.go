// estargz-build: the reference eStargz writer (github.com/containerd/stargz-snapshotter/estargz,
// as Debian packages it) turned into a command for the tests: it converts a tar into an eStargz
// blob and prints the two digests an image needs to describe it, the TOC digest (for the
// containerd.io/snapshot/stargz/toc.digest annotation) and the diff_id of the blob's tar.
//
//	estargz-build IN.tar OUT.blob [CHUNK_BYTES]
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/containerd/stargz-snapshotter/estargz"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "estargz-build:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("usage: estargz-build IN.tar OUT.blob [CHUNK_BYTES]")
	}
	in, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	var opts []estargz.Option
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		opts = append(opts, estargz.WithChunkSize(n))
	}
	blob, err := estargz.Build(io.NewSectionReader(in, 0, st.Size()), opts...)
	if err != nil {
		return err
	}
	defer blob.Close()
	out, err := os.Create(args[1])
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, blob); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// Both digests are known only once the blob has been read to its end.
	return json.NewEncoder(os.Stdout).Encode(map[string]string{
		"tocDigest": blob.TOCDigest().String(),
		"diffId":    blob.DiffID().String(),
	})
}
