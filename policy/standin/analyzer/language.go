package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// This file follows upstream's language.go (commit 65efe9c8), which the
// released plugin ships as pulumi-language-opa.
//
// The CLI v3.274.1 no longer execs "pulumi-analyzer-policy-<runtime>" for a
// pack folder: pkg/resource/plugin/analyzer_plugin.go (NewPolicyAnalyzer)
// hands the folder to ExecPlugin (pkg/resource/plugin/plugin.go), which asks
// the language runtime named by PulumiPolicy.yaml's runtime, "opa", to
// RunPlugin it, and "opa" is a runtime that the CLI knows to download
// (pkg/util/plugin.go, knownLanguageRuntimes). So the same binary, on PATH
// as pulumi-language-opa too, serves this thin runtime when it is launched
// with the engine's address alone, and its RunPlugin runs the analyzer.

// languageHost is a language runtime whose only real job is RunPlugin.
type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
}

func (languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: VersionString}, nil
}

func (languageHost) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// InstallDependencies does nothing: a Rego pack has no dependencies.
func (languageHost) InstallDependencies(*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return nil
}

func (languageHost) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (languageHost) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (languageHost) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (languageHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return &pulumirpc.AboutResponse{}, nil
}

// RunPlugin runs this binary as the analyzer, as the CLI once exec'd it:
// arguments [engine address, "."] and one "-key=value" per runtime option,
// in the pack's folder. The child's stdout streams back verbatim, so that
// its first line, the port, reaches the engine.
func (languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if len(req.Args) == 0 || req.Info == nil {
		return errors.New("RunPlugin requires the engine address argument and program info")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locating analyzer executable: %w", err)
	}
	args := []string{req.Args[0], "."}
	for k, v := range req.Info.GetOptions().AsMap() {
		if s := fmt.Sprintf("%v", v); s != "" {
			args = append(args, fmt.Sprintf("-%s=%s", k, s))
		}
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer func() { _ = closer.Close() }() // the Close below reports errors

	cmd := exec.CommandContext(server.Context(), self, args...)
	cmd.Dir = req.Info.ProgramDirectory
	cmd.Env = append(os.Environ(), req.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("running analyzer: %w", err)
		}
		exit := &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())} //nolint:gosec // an exit code fits
		if err := server.Send(&pulumirpc.RunPluginResponse{Output: exit}); err != nil {
			return err
		}
	}
	return closer.Close()
}

// serveLanguageHost serves the runtime and prints its port, as serve does
// for the analyzer.
func serveLanguageHost() error {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, languageHost{})
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("fatal: could not serve RPC: %w", err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		return fmt.Errorf("fatal: plugin exit: %w", err)
	}
	return nil
}
