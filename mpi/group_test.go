package mpi_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// TestGroups builds groups from World's and checks their members against
// the set arithmetic done here, then makes communicators of them.
func TestGroups(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		g, err := w.Group()
		must(t, err)
		if g.Size() != p || g.Rank() != r {
			t.Fatalf("World's group: size %d rank %d", g.Size(), g.Rank())
		}
		reversed := make([]int, p)
		for i := range p {
			reversed[i] = p - 1 - i
		}
		rev, err := g.Incl(reversed)
		must(t, err)
		if rev.Rank() != p-1-r {
			t.Fatalf("reversed group: rank %d, want %d", rev.Rank(), p-1-r)
		}
		tr, err := g.TranslateRanks(reversed, rev)
		must(t, err)
		for i, x := range tr {
			if x != i {
				t.Fatalf("TranslateRanks(%v) into the reversed group = %v", reversed, tr)
			}
		}
		if c, _ := g.Compare(rev); p > 1 && c != mpi.Similar || p == 1 && c != mpi.Ident {
			t.Errorf("Compare with the reversed group: %v", c)
		}
		var evens []int
		for i := 0; i < p; i += 2 {
			evens = append(evens, i)
		}
		ev, err := g.RangeIncl([]mpi.Range{{0, p - 1, 2}})
		must(t, err)
		ev2, err := g.Incl(evens)
		must(t, err)
		if c, _ := ev.Compare(ev2); c != mpi.Ident {
			t.Errorf("RangeIncl of evens vs Incl: %v", c)
		}
		odd, err := g.Difference(ev)
		must(t, err)
		if odd.Size() != p/2 {
			t.Errorf("odd ranks: %d, want %d", odd.Size(), p/2)
		}
		odd2, err := g.RangeExcl([]mpi.Range{{0, p - 1, 2}})
		must(t, err)
		if c, _ := odd.Compare(odd2); c != mpi.Ident {
			t.Errorf("Difference vs RangeExcl: %v", c)
		}
		all, err := odd.Union(ev)
		must(t, err)
		if c, _ := all.Compare(g); all.Size() != p || p > 2 && c != mpi.Similar {
			t.Errorf("odds ∪ evens: size %d, %v", all.Size(), c)
		}
		none, err := odd.Intersection(ev)
		must(t, err)
		if none.Size() != 0 || none.Rank() != mpi.Undefined {
			t.Errorf("odds ∩ evens: size %d rank %d", none.Size(), none.Rank())
		}
		inOdd, err := g.TranslateRanks([]int{0}, odd)
		must(t, err)
		if inOdd[0] != mpi.Undefined {
			t.Errorf("rank 0 in the odd group: %d, want Undefined", inOdd[0])
		}

		// Communicators of the even ranks, both ways.
		ec, err := w.Create(ev)
		must(t, err)
		if (ec != nil) != (r%2 == 0) {
			t.Fatalf("rank %d: Create(evens) = %v", r, ec)
		}
		if ec != nil {
			if ec.Size() != len(evens) || ec.Rank() != r/2 {
				t.Fatalf("evens' comm: size %d rank %d", ec.Size(), ec.Rank())
			}
			sum := 0
			must(t, ec.Allreduce(mpi.One(&r), mpi.One(&sum), mpi.Sum))
			want := 0
			for _, e := range evens {
				want += e
			}
			if sum != want {
				t.Fatalf("sum over evens %d, want %d", sum, want)
			}
			eg, err := w.CreateGroup(ev, 7)
			must(t, err)
			if c, _ := eg.Compare(ec); c != mpi.Congruent {
				t.Errorf("CreateGroup vs Create: %v", c)
			}
			must(t, eg.Free())
			must(t, ec.Free())
		} else {
			_, err := w.CreateGroup(ev, 7)
			wantClass(t, "CreateGroup outside the group", err, mpi.ErrGroup)
		}

		_, err = g.Incl([]int{p})
		wantClass(t, "Incl of rank Size()", err, mpi.ErrRank)
		_, err = g.Incl([]int{0, 0})
		wantClass(t, "Incl of a rank twice", err, mpi.ErrRank)
		_, err = g.RangeIncl([]mpi.Range{{0, 1, 0}})
		wantClass(t, "range of stride 0", err, mpi.ErrArg)
		_, err = g.TranslateRanks([]int{-1}, rev)
		wantClass(t, "TranslateRanks of -1", err, mpi.ErrRank)
		for _, x := range []*mpi.Group{rev, ev, ev2, odd, odd2, all, none} {
			must(t, x.Free())
		}
		wantClass(t, "Free twice", rev.Free(), mpi.ErrGroup)
		_, err = rev.Incl(nil)
		wantClass(t, "Incl on a freed group", err, mpi.ErrGroup)
		must(t, g.Free())
	})
}

// TestCommExtras: Compare, names, attributes, SplitType, Idup.
func TestCommExtras(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r, p := w.Rank(), w.Size()
		if c, _ := w.Compare(w); c != mpi.Ident {
			t.Errorf("World vs World: %v", c)
		}
		d, err := w.Dup()
		must(t, err)
		if c, _ := w.Compare(d); c != mpi.Congruent {
			t.Errorf("World vs Dup: %v", c)
		}
		back, err := w.Split(0, p-r)
		must(t, err)
		if c, _ := w.Compare(back); p > 1 && c != mpi.Similar {
			t.Errorf("World vs reversed: %v", c)
		}
		if name, _ := w.Name(); name != "MPI_COMM_WORLD" {
			t.Errorf("World's name %q", name)
		}
		must(t, d.SetName("grid rows"))
		if name, _ := d.Name(); name != "grid rows" {
			t.Errorf("name %q after SetName", name)
		}
		wantClass(t, "a name of 200 bytes", d.SetName(string(make([]byte, 200))), mpi.ErrArg)
		type key struct{}
		must(t, d.SetAttr(key{}, []int{r}))
		if v, ok := d.Attr(key{}); !ok || !slices.Equal(v.([]int), []int{r}) {
			t.Errorf("Attr: %v %v", v, ok)
		}
		d.DeleteAttr(key{})
		if _, ok := d.Attr(key{}); ok {
			t.Error("attribute still there after DeleteAttr")
		}
		// The ranks that share a node are those in this rank's network
		// namespace: all of them on one machine, a host's in multi-host runs.
		nodeSize, nodeRank := sameHost(t, w)
		node, err := w.SplitType(mpi.SplitShared, r)
		must(t, err)
		if node.Size() != nodeSize || node.Rank() != nodeRank {
			t.Errorf("SplitType(shared): size %d rank %d, want %d %d", node.Size(), node.Rank(), nodeSize, nodeRank)
		}
		version, _ := mpi.LibraryVersion()
		host, err := w.SplitType(mpi.SplitHost, r)
		wantHost := nodeSize
		if !strings.Contains(version, "Open MPI") { // OpenMPI's kinds only
			wantClass(t, "SplitType(host) outside OpenMPI", err, mpi.ErrUnsupported)
			host, err = w.Dup()
			wantHost = p
		}
		must(t, err)
		if host.Size() != wantHost {
			t.Errorf("SplitType(host): size %d, want %d", host.Size(), wantHost)
		}
		_, err = w.SplitType(mpi.SplitKind(99), 0)
		wantClass(t, "split kind 99", err, mpi.ErrArg)
		nd, req, err := w.Idup()
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		sum := 0
		must(t, nd.Allreduce(mpi.One(&r), mpi.One(&sum), mpi.Sum))
		if sum != p*(p-1)/2 {
			t.Errorf("Allreduce over an Idup: %d", sum)
		}
		for _, c := range []*mpi.Comm{d, back, node, host, nd} {
			must(t, c.Free())
		}
	})
}

// TestIntercomm joins the two halves of World into an intercommunicator
// and talks across it.
func TestIntercomm(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		low := r < p/2
		color := 1
		if low {
			color = 0
		}
		half, err := w.Split(color, r)
		must(t, err)
		remoteLeader := p / 2 // in World: the other half's first rank
		if !low {
			remoteLeader = 0
		}
		ic, err := half.IntercommCreate(0, w, remoteLeader, 42)
		must(t, err)
		if !ic.IsInter() || ic.Size() != half.Size() || ic.RemoteSize() != p-half.Size() {
			t.Fatalf("intercomm: inter %v size %d remote %d", ic.IsInter(), ic.Size(), ic.RemoteSize())
		}
		rg, err := ic.RemoteGroup()
		must(t, err)
		if rg.Size() != ic.RemoteSize() {
			t.Errorf("remote group of %d", rg.Size())
		}
		must(t, rg.Free())
		// Rank i of each half sends its World rank to rank i of the other, if there is one.
		me := ic.Rank()
		if me < ic.RemoteSize() {
			var got int
			_, err := ic.Sendrecv(mpi.One(&r), me, 1, mpi.One(&got), me, 1)
			must(t, err)
			want := me + p/2
			if !low {
				want = me
			}
			if got != want {
				t.Fatalf("across the intercomm: %d, want %d", got, want)
			}
		}
		wantClass(t, "send to remote rank RemoteSize()", ic.Send(mpi.One(&r), ic.RemoteSize(), 0), mpi.ErrRank)
		// Allreduce over an intercommunicator: each side gets the other's sum.
		sum := 0
		must(t, ic.Allreduce(mpi.One(&r), mpi.One(&sum), mpi.Sum))
		want := 0
		for i := range p {
			if (i < p/2) != low {
				want += i
			}
		}
		if sum != want {
			t.Fatalf("intercomm Allreduce: %d, want the other side's %d", sum, want)
		}
		merged, err := ic.Merge(!low)
		must(t, err)
		if merged.Size() != p || merged.Rank() != r {
			t.Fatalf("merged: size %d rank %d, want %d %d", merged.Size(), merged.Rank(), p, r)
		}
		_, err = w.Merge(false)
		wantClass(t, "Merge of World", err, mpi.ErrComm)
		for _, c := range []*mpi.Comm{merged, ic, half} {
			must(t, c.Free())
		}
	}, mpitest.Ranks(2, 3, 4))
}

// sameHost returns how many ranks of w run on this rank's host, and this
// rank's place among them by World rank. A host is a network namespace (the
// multi-host tests make one per host), read from /proc, not from MPI.
func sameHost(t *testing.T, w *mpi.Comm) (size, rank int) {
	t.Helper()
	link, err := os.Readlink("/proc/self/ns/net")
	must(t, err)
	var ns uint64
	if _, err := fmt.Sscanf(link, "net:[%d]", &ns); err != nil {
		t.Fatalf("network namespace %q: %v", link, err)
	}
	all := make([]uint64, w.Size())
	must(t, w.Allgather(mpi.One(&ns), mpi.Buf(all)))
	for i, x := range all {
		if x == ns {
			if i < w.Rank() {
				rank++
			}
			size++
		}
	}
	return size, rank
}
