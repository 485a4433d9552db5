// Command vcsim is a small vCenter simulator for Upstra's real-peer harness.
//
// It is built by tests/peers/install.sh in GOPATH mode against Debian's
// golang-github-vmware-govmomi-dev (govmomi 0.24.2), whose package ships the
// simulator library but not the upstream vcsim command.
//
// Default inventory (like stock vcsim): datacenter DC0, cluster DC0_C0 with
// hosts DC0_C0_H0..DC0_C0_H2, standalone host DC0_H0, and the VMs
// DC0_H0_VM0, DC0_H0_VM1, DC0_C0_RP0_VM0, DC0_C0_RP0_VM1 (powered on).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	model := simulator.VPX()

	flag.IntVar(&model.Datacenter, "dc", model.Datacenter, "number of datacenters")
	flag.IntVar(&model.Cluster, "cluster", model.Cluster, "number of clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "host", model.ClusterHost, "number of hosts per cluster")
	flag.IntVar(&model.Host, "standalone-host", model.Host, "number of standalone hosts per datacenter")
	flag.IntVar(&model.Machine, "vm", model.Machine, "number of VMs per resource pool")
	flag.IntVar(&model.Datastore, "ds", model.Datastore, "number of local datastores")
	listen := flag.String("l", "127.0.0.1:8989", "listen address (host:port; port 0 picks a free one)")
	username := flag.String("username", "", "login user name (empty: any user name is accepted)")
	password := flag.String("password", "", "login password (empty: any password is accepted)")
	certFile := flag.String("tlscert", "", "TLS certificate (PEM); empty: a built-in test certificate")
	keyFile := flag.String("tlskey", "", "TLS private key (PEM)")
	noTLS := flag.Bool("notls", false, "serve plain HTTP instead of HTTPS")
	flag.Parse()

	if (*certFile == "") != (*keyFile == "") {
		log.Fatal("vcsim: -tlscert and -tlskey go together")
	}

	u := &url.URL{Host: *listen}
	if *username != "" {
		u.User = url.UserPassword(*username, *password)
	}

	model.ServiceContent.About.FullName += " (govmomi simulator)"

	if err := model.Create(); err != nil {
		log.Fatalf("vcsim: create model: %v", err)
	}
	defer model.Remove()

	model.Service.RegisterEndpoints = true
	model.Service.Listen = u
	if !*noTLS {
		model.Service.TLS = new(tls.Config)
		if *certFile != "" {
			cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
			if err != nil {
				log.Fatalf("vcsim: load TLS key pair: %v", err)
			}
			model.Service.TLS.Certificates = []tls.Certificate{cert}
		}
	}

	server := model.Service.NewServer()
	defer server.Close()

	fmt.Printf("export GOVC_URL=%s GOVC_SIM_PID=%d\n", server.URL, os.Getpid())
	for _, kind := range []string{"Datacenter", "ClusterComputeResource", "HostSystem", "VirtualMachine"} {
		fmt.Printf("vcsim: %s: %s\n", kind, strings.Join(names(kind), " "))
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	fmt.Printf("vcsim: %v, exiting\n", s)
}

// names lists the inventory names of one managed object kind, sorted.
func names(kind string) []string {
	var out []string
	for _, e := range simulator.Map.All(kind) {
		out = append(out, e.Entity().Name)
	}
	sort.Strings(out)
	return out
}
