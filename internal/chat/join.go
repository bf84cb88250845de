package chat

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mpigo/mpigo/mpi"
)

// door takes clients that join a running chat from jobs of their own (MPI's
// dynamic processes): a port, published under the service name and written
// to the port file, and a goroutine accepting on it. Each client that
// connects is an intercommunicator whose remote rank 0 is the client.
type door struct {
	port, service string
	published     bool
	joins         chan *mpi.Comm
	closed        chan struct{}
	stopping      atomic.Bool
	count         int            // clients that joined so far
	knock         []string       // the program (and arguments) that runs Knock, the port appended
	done          sync.WaitGroup // the accepting goroutine and the disconnects
	log           io.Writer
}

// openDoor opens the port and starts accepting. Without a name server
// (OpenMPI: ompi-server) the name cannot be published; the port file still
// lets clients in.
func openDoor(service, portFile string, knock []string, log io.Writer) (*door, error) {
	port, err := mpi.OpenPort(nil)
	if err != nil {
		return nil, fmt.Errorf("chat: cannot take clients of other jobs: %w", err)
	}
	d := &door{port: port, service: service, joins: make(chan *mpi.Comm), closed: make(chan struct{}), log: log, knock: knock}
	perr := mpi.PublishName(service, port, nil)
	d.published = perr == nil
	if portFile != "" {
		if err := os.WriteFile(portFile, []byte(port+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("chat: port file: %w", err)
		}
	}
	switch {
	case d.published:
		fmt.Fprintf(log, "server: others join with: mpiexec -n 1 --ompi-server file:URI %s chat --join %s\n", os.Args[0], service)
	case portFile != "":
		fmt.Fprintf(log, "server: %s is not published (%v); others join with: mpiexec -n 1 %s chat --join %s --port-file %s\n",
			service, perr, os.Args[0], service, portFile)
	default:
		mpi.ClosePort(port)
		return nil, fmt.Errorf("chat: cannot publish %s (%w): start ompi-server --report-uri URI and give mpiexec --ompi-server file:URI, or give --port-file", service, perr)
	}
	d.done.Add(1)
	go d.accept()
	return d, nil
}

func (d *door) accept() {
	defer d.done.Done()
	for {
		ic, err := mpi.Self().Accept(d.port, nil, 0)
		if err != nil {
			fmt.Fprintf(d.log, "server: accepting: %v\n", err)
			return
		}
		if d.stopping.Load() {
			ic.Free() // the knock of close (see Knock)
			return
		}
		select {
		case d.joins <- ic:
		case <-d.closed:
			ic.Disconnect()
			return
		}
	}
}

// farewell disconnects a client that said it is gone (both sides call
// Disconnect).
func (d *door) farewell(ic *mpi.Comm) {
	d.done.Add(1)
	go func() {
		defer d.done.Done()
		if err := ic.Disconnect(); err != nil {
			fmt.Fprintf(d.log, "server: disconnecting: %v\n", err)
		}
	}()
}

// close stops taking clients. The accepting goroutine is blocked in
// MPI_Comm_accept, which nothing cancels, and this process cannot connect
// to its own port (OpenMPI 4.1 hangs in both calls: they wait for each
// other's job, the same one), so a process spawned for the purpose knocks:
// it connects and goes (Knock).
func (d *door) close() {
	d.stopping.Store(true)
	close(d.closed)
	d.done.Add(1)
	go func() {
		defer d.done.Done()
		// Over a communicator of its own: Accept is over Self, and two
		// collectives at once on one communicator are erroneous.
		self, err := mpi.Self().Dup()
		if err != nil {
			fmt.Fprintf(d.log, "server: closing: %v\n", err)
			return
		}
		defer self.Free()
		child, err := self.Spawn(d.knock[0], append(d.knock[1:len(d.knock):len(d.knock)], d.port), 1, nil, 0)
		if err != nil {
			fmt.Fprintf(d.log, "server: closing: no knock (%v); the accepting goroutine stays blocked\n", err)
			return
		}
		child.Disconnect()
	}()
}

// Knock is the process close spawns: it connects to port, which lets the
// server's Accept return, and disconnects from the port and its parent.
func Knock(port string) error {
	ic, err := mpi.Self().Connect(port, nil, 0)
	if err != nil {
		return fmt.Errorf("chat: knock: %w", err)
	}
	// Freed, not disconnected: OpenMPI 4.1 fails to disconnect a job it
	// spawned from its own port ("Server not available").
	if err := ic.Free(); err != nil {
		return fmt.Errorf("chat: knock: leaving the port: %w", err)
	}
	p, err := mpi.Parent()
	if err != nil || p == nil {
		return fmt.Errorf("chat: knock: not spawned by a chat server (%v)", err)
	}
	if err := p.Disconnect(); err != nil {
		return fmt.Errorf("chat: knock: leaving the parent: %w", err)
	}
	return nil
}

// wait waits for the goroutines, and withdraws the name and the port.
func (d *door) wait() {
	d.done.Wait()
	if d.published {
		mpi.UnpublishName(d.service, d.port, nil)
	}
	mpi.ClosePort(d.port)
}

// joinWait is how long a client looks for a chat that is not yet published.
const joinWait = 10 * time.Second

// join connects this process, a job of its own, to a running chat: through
// the port in portFile, or else the one published under service.
func join(service, portFile string) (*mpi.Comm, error) {
	var port string
	if portFile != "" {
		b, err := os.ReadFile(portFile)
		if err != nil {
			return nil, fmt.Errorf("chat: --port-file: %w", err)
		}
		port = strings.TrimSpace(string(b))
	} else {
		var err error
		// The server may be starting: look for up to joinWait.
		for deadline := time.Now().Add(joinWait); ; time.Sleep(200 * time.Millisecond) {
			if port, err = mpi.LookupName(service, nil); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("chat: no chat is published as %s after %v (is the server running, and this mpiexec given --ompi-server file:URI?): %w", service, joinWait, err)
			}
		}
	}
	ic, err := mpi.Self().Connect(port, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("chat: joining %s: %w", service, err)
	}
	return ic, nil
}
