// Command ociimage builds a container image from tar layers and files, and
// writes it as a docker-archive that `ctr images import` takes, under every
// tag given: the node test tier's images, built from nothing, with no
// registry.
//
//	ociimage -out image.tar -tag NAME [-tag NAME ...] [-layer rootfs.tar ...]
//	  [-file SRC=DST ...] [-env KEY=VALUE ...] [-entrypoint PATH ...]
//	  [-user UID:GID] [-volume PATH ...]
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// list is a flag that may be given more than once.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}

func run() error {
	var tags, layers, files, env, entrypoint, volumes list
	out := flag.String("out", "", "the docker-archive to write")
	user := flag.String("user", "", "the image's user, UID:GID")
	flag.Var(&tags, "tag", "a name of the image")
	flag.Var(&layers, "layer", "an uncompressed tar to add as a layer")
	flag.Var(&files, "file", "SRC=DST: a file to add, executable, in one layer of its own")
	flag.Var(&env, "env", "KEY=VALUE in the image's environment")
	flag.Var(&entrypoint, "entrypoint", "the entrypoint, one argument per flag")
	flag.Var(&volumes, "volume", "a path the image declares a volume")
	flag.Parse()
	if *out == "" || len(tags) == 0 {
		return fmt.Errorf("-out and -tag are required")
	}
	img := empty.Image
	for _, file := range layers {
		layer, err := tarball.LayerFromFile(file)
		if err != nil {
			return fmt.Errorf("layer %s: %w", file, err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	if len(files) > 0 {
		layer, err := filesLayer(files)
		if err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	config, err := img.ConfigFile()
	if err != nil {
		return err
	}
	config = config.DeepCopy()
	config.Architecture, config.OS = "amd64", "linux"
	config.Config.Env = env
	config.Config.Entrypoint = entrypoint
	config.Config.User = *user
	config.Config.Volumes = map[string]struct{}{}
	for _, v := range volumes {
		config.Config.Volumes[v] = struct{}{}
	}
	if img, err = mutate.ConfigFile(img, config); err != nil {
		return err
	}
	refs := map[name.Reference]v1.Image{}
	for _, tag := range tags {
		ref, err := name.ParseReference(tag)
		if err != nil {
			return fmt.Errorf("tag %s: %w", tag, err)
		}
		refs[ref] = img
	}
	return tarball.MultiRefWriteToFile(*out, refs)
}

// filesLayer is one layer that holds each SRC at DST, with its directories.
func filesLayer(files []string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, spec := range files {
		src, dst, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("-file %q: want SRC=DST", spec)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		dst = strings.TrimPrefix(path.Clean(dst), "/")
		if err := writeDirs(tw, path.Dir(dst), dirs); err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Name: dst, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

func writeDirs(tw *tar.Writer, dir string, written map[string]bool) error {
	if dir == "." || dir == "/" || written[dir] {
		return nil
	}
	if err := writeDirs(tw, path.Dir(dir), written); err != nil {
		return err
	}
	written[dir] = true
	return tw.WriteHeader(&tar.Header{Name: dir + "/", Mode: 0o755, Typeflag: tar.TypeDir})
}
