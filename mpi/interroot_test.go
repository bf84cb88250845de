package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// interHalves splits World into its lower and upper half and joins them by
// an intercommunicator; low says which half this rank is in.
func interHalves(t *testing.T, w *mpi.Comm) (ic *mpi.Comm, low bool) {
	t.Helper()
	r, p := w.Rank(), w.Size()
	low = r < p/2
	color, leader := 1, 0
	if low {
		color, leader = 0, p/2
	}
	half, err := w.Split(color, r)
	must(t, err)
	ic, err = half.IntercommCreate(0, w, leader, 9)
	must(t, err)
	must(t, half.Free())
	return ic, low
}

// The rooted collectives across an intercommunicator, as a manager and its
// workers use them: the root (rank 0 of the low half) broadcasts, scatters,
// gathers and reduces with the high half; rank 1 of the high half then
// roots the other way. Every rank checks what it received; the root's
// group's other ranks take no part and their buffers stay untouched.
func TestIntercommRooted(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		ic, low := interHalves(t, w)
		defer ic.Free()
		me, remote := ic.Rank(), ic.RemoteSize()
		// rootOf says, for a root at rank k of the low (lowRoots) or high
		// half, what this rank passes.
		rootOf := func(k int, lowRoots bool) int {
			switch {
			case low != lowRoots:
				return k
			case me == k:
				return mpi.Root
			}
			return mpi.ProcNull
		}
		for _, c := range []struct {
			k        int
			lowRoots bool
		}{{0, true}, {min(1, w.Size()-w.Size()/2-1), false}} {
			root := rootOf(c.k, c.lowRoots)
			isRoot, leaf := root == mpi.Root, low != c.lowRoots
			untouched := func(what string, v []int64) {
				for _, x := range v {
					if x != -7 {
						t.Errorf("root %d: %s on a rank not taking part changed: %v", root, what, v)
						return
					}
				}
			}
			// Bcast: the root's 3 values to every leaf.
			b := []int64{-7, -7, -7}
			if isRoot {
				b = []int64{11, 12, 13}
			}
			must(t, ic.Bcast(mpi.Buf(b), root))
			switch {
			case leaf && (b[0] != 11 || b[2] != 13):
				t.Errorf("Bcast from %d: leaf got %v", root, b)
			case !leaf && !isRoot:
				untouched("Bcast's buffer", b)
			}
			// Scatter: 2 values to each leaf, leaf i's are 100i, 100i+1.
			whole := make([]int64, 2*remote)
			for i := range whole {
				whole[i] = int64(100*(i/2) + i%2)
			}
			part := []int64{-7, -7}
			must(t, ic.Scatter(mpi.Buf(whole), mpi.Buf(part), root))
			if leaf && (part[0] != int64(100*me) || part[1] != int64(100*me+1)) {
				t.Errorf("Scatter from %d: leaf %d got %v", root, me, part)
			} else if !leaf {
				untouched("Scatter's part", part)
			}
			// Gather: each leaf's rank and its square, back in rank order.
			got := make([]int64, 2*remote)
			for i := range got {
				got[i] = -7
			}
			must(t, ic.Gather(mpi.Buf([]int64{int64(me), int64(me * me)}), mpi.Buf(got), root))
			if isRoot {
				for i := range remote {
					if got[2*i] != int64(i) || got[2*i+1] != int64(i*i) {
						t.Errorf("Gather at root %d: %v", root, got)
						break
					}
				}
			} else {
				untouched("Gather's receive buffer", got)
			}
			// Scatterv / Gatherv: leaf i gets and gives back i+1 values.
			counts, displs, n := make([]int, remote), make([]int, remote), 0
			for i := range remote {
				counts[i], displs[i], n = i+1, n, n+i+1
			}
			vwhole := make([]int64, n)
			for i := range vwhole {
				vwhole[i] = int64(1000 + i)
			}
			vpart := make([]int64, me+1)
			if !leaf {
				vpart = vpart[:0]
			}
			must(t, ic.Scatterv(mpi.Buf(vwhole), counts, displs, mpi.Buf(vpart), root))
			if leaf && (vpart[0] != int64(1000+me*(me+1)/2) || vpart[me] != int64(1000+me*(me+1)/2+me)) {
				t.Errorf("Scatterv from %d: leaf %d got %v", root, me, vpart)
			}
			vback := make([]int64, n)
			must(t, ic.Gatherv(mpi.Buf(vpart), mpi.Buf(vback), counts, displs, root))
			if isRoot {
				for i := range vback {
					if vback[i] != int64(1000+i) {
						t.Errorf("Gatherv at root %d: %v", root, vback)
						break
					}
				}
			}
			// Reduce: the leaves' ranks summed, and the max, at the root.
			sum := []int64{-7, -7}
			must(t, ic.Reduce(mpi.Buf([]int64{int64(me), int64(me)}), mpi.Buf(sum), mpi.Sum, root))
			if isRoot && sum[0] != int64(remote*(remote-1)/2) {
				t.Errorf("Reduce at root %d: %v, want %d", root, sum, remote*(remote-1)/2)
			} else if !isRoot {
				untouched("Reduce's receive buffer", sum)
			}
			// The nonblocking forms.
			b2 := []int64{-7}
			if isRoot {
				b2[0] = 77
			}
			req, err := ic.Ibcast(mpi.Buf(b2), root)
			must(t, err)
			_, err = req.Wait()
			must(t, err)
			if leaf && b2[0] != 77 {
				t.Errorf("Ibcast from %d: %v", root, b2)
			}
			part = []int64{-7, -7}
			req, err = ic.Iscatter(mpi.Buf(whole), mpi.Buf(part), root)
			must(t, err)
			_, err = req.Wait()
			must(t, err)
			if leaf && part[0] != int64(100*me) {
				t.Errorf("Iscatter from %d: leaf %d got %v", root, me, part)
			}
			clear(got)
			req, err = ic.Igather(mpi.Buf([]int64{int64(me), int64(me * me)}), mpi.Buf(got), root)
			must(t, err)
			_, err = req.Wait()
			must(t, err)
			if isRoot && got[2*(remote-1)] != int64(remote-1) {
				t.Errorf("Igather at root %d: %v", root, got)
			}
			sum = []int64{-7, -7}
			req, err = ic.Ireduce(mpi.Buf([]int64{int64(me), int64(me)}), mpi.Buf(sum), mpi.Sum, root)
			must(t, err)
			_, err = req.Wait()
			must(t, err)
			if isRoot && sum[0] != int64(remote*(remote-1)/2) {
				t.Errorf("Ireduce at root %d: %v, want %d", root, sum, remote*(remote-1)/2)
			}
		}
	}, mpitest.Ranks(2, 3, 4))
}

// A root argument that names no role is ErrRoot on every rank; a root
// buffer that does not split into the remote group's parts (at the root
// alone) is ErrBuffer on every rank, and so is InPlace.
func TestIntercommRootedErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		ic, low := interHalves(t, w)
		defer ic.Free()
		x := []int64{1}
		wantClass(t, "Bcast with root -5", ic.Bcast(mpi.Buf(x), -5), mpi.ErrRoot)
		root := 0
		if low {
			root = mpi.ProcNull
			if ic.Rank() == 0 {
				root = mpi.Root
			}
		}
		whole := make([]int64, 2*ic.RemoteSize()+1) // one too many at the root
		err := ic.Scatter(mpi.Buf(whole), mpi.Buf(make([]int64, 2)), root)
		wantClass(t, "Scatter whose root buffer does not split", err, mpi.ErrBuffer)
		err = ic.Reduce(mpi.InPlace, mpi.Buf(x), mpi.Sum, root)
		wantClass(t, "Reduce with InPlace over an intercommunicator", err, mpi.ErrBuffer)
	}, mpitest.Ranks(3, 4)) // the root's remote group has 2 ranks: 5 elements do not split
}
