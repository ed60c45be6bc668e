package components

import (
	"slices"
	"strings"

	"github.com/distribution/reference"
)

// ArtifactRegistryReaderRole lets the nodes pull the job's image from a
// project's registries.
const ArtifactRegistryReaderRole = "roles/artifactregistry.reader"

// publicImageProjects are Google's projects whose images anyone may pull,
// such as the default image's google.com:cloudsdktool: a grant there is
// neither needed nor allowed.
var publicImageProjects = []string{
	"google.com:cloudsdktool", "google-containers", "google_containers", "distroless", "cloud-builders", "gke-release",
	"google-samples", "cloudsql-docker", "cloud-marketplace",
}

// publicRegistryHosts serve only public images: Docker Hub's mirror, the
// Marketplace and the old Kubernetes registry.
var publicRegistryHosts = []string{"mirror.gcr.io", "marketplace.gcr.io", "k8s.gcr.io"}

// noRegistryProject, as ImageRegistryProject, asks for no grant.
const noRegistryProject = "none"

// registryProject is the project where the nodes may pull the job's image:
// as given, or as the image names it.
func (args WorkloadIdentityCronJobArgs) registryProject() string {
	switch args.ImageRegistryProject {
	case "":
		return imageProject(args.Image)
	case noRegistryProject:
		return ""
	}
	return args.ImageRegistryProject
}

// imageProject is the project whose registry holds image, whose nodes
// then need roles/artifactregistry.reader there, or "" when no grant is
// needed: a public image of Google's, or a registry outside Google.
//   - REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE is in PROJECT;
//   - gcr.io/PROJECT/IMAGE and its regional hosts (us., eu., asia.) are in
//     PROJECT, which Artifact Registry now serves;
//   - a domain-scoped project is DOMAIN/NAME in the path and DOMAIN:NAME in IAM.
func imageProject(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	host, path := reference.Domain(named), strings.Split(reference.Path(named), "/")
	if !googleRegistry(host) || slices.Contains(publicRegistryHosts, host) || len(path) < 2 {
		return ""
	}
	project := path[0]
	if strings.Contains(project, ".") {
		project += ":" + path[1]
	}
	if slices.Contains(publicImageProjects, project) {
		return ""
	}
	return project
}

// toolImage runs the wait and verification containers: the job's image when
// it is the google-cloud-cli image pinned by digest, so that a stack that
// pins it runs no floating tag anywhere; the default image otherwise.
func toolImage(image string) string {
	pinned, err := reference.ParseNormalizedNamed(image)
	if _, digested := pinned.(reference.Digested); err != nil || !digested {
		return DefaultImage
	}
	defaultImage, _ := reference.ParseNormalizedNamed(DefaultImage)
	if pinned.Name() != defaultImage.Name() {
		return DefaultImage
	}
	return image
}
