// Command etcd is etcd's server, at the version k8s.io/kubernetes pins, for
// the API-server test tier.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
