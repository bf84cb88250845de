package mpi_test

import (
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// TestSendModes: buffered and ready sends, SendrecvReplace, Message.Irecv,
// TestAny, TestSome and WaitSome, around a ring.
func TestSendModes(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		x := []int64{int64(r), int64(r) * 10}
		wantClass(t, "Bsend without a buffer", w.Bsend(mpi.Buf(x), next, 1), mpi.ErrBuffer)
		must(t, mpi.AttachBuffer(4*(16+mpi.BsendOverhead())))
		wantClass(t, "AttachBuffer twice", mpi.AttachBuffer(64), mpi.ErrBuffer)
		must(t, w.Bsend(mpi.Buf(x), next, 1))
		breq, err := w.Ibsend(mpi.Buf(x), next, 2)
		must(t, err)
		got := make([]int64, 2)
		for tag := 1; tag <= 2; tag++ {
			_, err := w.Recv(mpi.Buf(got), prev, tag)
			must(t, err)
			if !slices.Equal(got, []int64{int64(prev), int64(prev) * 10}) {
				t.Fatalf("buffered message %d: %v", tag, got)
			}
		}
		_, err = breq.Wait()
		must(t, err)
		must(t, mpi.DetachBuffer())
		wantClass(t, "DetachBuffer twice", mpi.DetachBuffer(), mpi.ErrBuffer)

		// Ready mode: the receive is posted before the barrier, the send after.
		rreq, err := w.Irecv(mpi.Buf(got), prev, 3)
		must(t, err)
		must(t, w.Barrier())
		must(t, w.Rsend(mpi.Buf(x), next, 3))
		_, err = rreq.Wait()
		must(t, err)
		if got[0] != int64(prev) {
			t.Fatalf("ready message: %v", got)
		}

		// SendrecvReplace, contiguous and Typed.
		b := []int64{int64(r), -int64(r)}
		_, err = w.SendrecvReplace(mpi.Buf(b), next, 4, prev, 4)
		must(t, err)
		if !slices.Equal(b, []int64{int64(prev), -int64(prev)}) {
			t.Fatalf("SendrecvReplace: %v", b)
		}
		f64, _ := mpi.TypeOf[float64]()
		col, err := mpi.Vector(3, 1, 2, f64)
		must(t, err)
		defer col.Free()
		m := matrix(3, 2, r)
		_, err = w.SendrecvReplace(mpi.Typed(m[1:], col, 1), next, 5, prev, 5)
		must(t, err)
		pm, mm := matrix(3, 2, prev), matrix(3, 2, r)
		for i := range 3 {
			if m[2*i+1] != pm[2*i+1] || m[2*i] != mm[2*i] {
				t.Fatalf("SendrecvReplace of a column: %v", m)
			}
		}

		// Message.Irecv, and one too long for its buffer.
		sreq, err := w.Isend(mpi.Buf(x), next, 6)
		must(t, err)
		msg, err := w.Mprobe(prev, 6)
		must(t, err)
		ireq, err := msg.Irecv(mpi.Buf(got))
		must(t, err)
		_, err = ireq.Wait()
		must(t, err)
		if got[1] != int64(prev)*10 {
			t.Fatalf("Message.Irecv: %v", got)
		}
		// Not a blocking Send: it may wait for its receive (MPICH 4.0's
		// ch4:ucx does, even to itself at 1 rank).
		sreq7, err := w.Isend(mpi.Buf(x), next, 7)
		must(t, err)
		msg, err = w.Mprobe(prev, 7)
		must(t, err)
		one := make([]int64, 1)
		ireq, err = msg.Irecv(mpi.Buf(one))
		must(t, err)
		_, err = ireq.Wait()
		wantClass(t, "Message.Irecv of 2 into 1", err, mpi.ErrTruncate)
		if one[0] != int64(prev) {
			t.Errorf("truncated Irecv kept %v", one)
		}
		_, err = msg.Irecv(mpi.Buf(one))
		wantClass(t, "Message.Irecv twice", err, mpi.ErrRequest)
		must(t, mpi.WaitAll(sreq, sreq7))

		// TestAny, TestSome, WaitSome.
		if i, ok, _, _ := mpi.TestAny(); ok || i != -1 {
			t.Errorf("TestAny of none: %d %v", i, ok)
		}
		reqs := make([]*mpi.Request, 3)
		bufs := make([][]int64, 3)
		for i := range reqs {
			bufs[i] = make([]int64, 2)
			reqs[i], err = w.Irecv(mpi.Buf(bufs[i]), prev, 10+i)
			must(t, err)
		}
		if done, err := mpi.TestSome(reqs...); err != nil || len(done) != 0 {
			t.Errorf("TestSome before any send: %v %v", done, err)
		}
		must(t, w.Barrier()) // each phase's sends after every rank's checks of the last
		must(t, w.Send(mpi.Buf(x), next, 11))
		done, err := mpi.WaitSome(reqs...)
		must(t, err)
		if !slices.Equal(done, []int{1}) {
			t.Fatalf("WaitSome after sending tag 11: %v", done)
		}
		must(t, w.Barrier())
		must(t, w.Send(mpi.Buf(x), next, 10))
		for {
			if i, ok, _, err := mpi.TestAny(reqs...); ok {
				must(t, err)
				if i != 0 {
					t.Fatalf("TestAny: %d, want 0", i)
				}
				break
			}
		}
		must(t, w.Barrier())
		must(t, w.Send(mpi.Buf(x), next, 12))
		must(t, mpi.WaitAll(reqs...))
		if done, _ := mpi.WaitSome(reqs...); done != nil {
			t.Errorf("WaitSome with none pending: %v", done)
		}
		for i, b := range bufs {
			if b[0] != int64(prev) {
				t.Errorf("request %d: %v", i, b)
			}
		}
	})
}

// TestMoreCollectives: the nonblocking v-collectives, Iscan, Iexscan,
// ReduceScatter, ReduceLocal and Alltoallw.
func TestMoreCollectives(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r, p := w.Rank(), w.Size()
		counts, displs, total := parts(p, 2)
		whole := make([]int32, total)
		for i := range whole {
			whole[i] = int32(100 + i)
		}
		mine := make([]int32, counts[r])
		req, err := w.Iscatterv(mpi.Buf(whole), counts, displs, mpi.Buf(mine), 0)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		if !slices.Equal(mine, whole[displs[r]:displs[r]+counts[r]]) {
			t.Fatalf("Iscatterv: %v", mine)
		}
		back := make([]int32, total)
		req, err = w.Iallgatherv(mpi.Buf(mine), mpi.Buf(back), counts, displs)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		for i := range p {
			if !slices.Equal(back[displs[i]:displs[i]+counts[i]], whole[displs[i]:displs[i]+counts[i]]) {
				t.Fatalf("Iallgatherv part %d: %v", i, back)
			}
		}
		clear(back)
		req, err = w.Igatherv(mpi.Buf(mine), mpi.Buf(back), counts, displs, p-1)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		for i := range p {
			if r == p-1 && !slices.Equal(back[displs[i]:displs[i]+counts[i]], whole[displs[i]:displs[i]+counts[i]]) {
				t.Fatalf("Igatherv part %d: %v", i, back)
			}
		}
		// Ialltoallv: rank r sends i+1 copies of r to rank i.
		sc, sd, rc, rd := make([]int, p), make([]int, p), make([]int, p), make([]int, p)
		var send []int32
		n := 0
		for i := range p {
			sc[i], sd[i] = i+1, len(send)
			send = append(send, slices.Repeat([]int32{int32(r)}, i+1)...)
			rc[i], rd[i] = r+1, n
			n += r + 1
		}
		recv := make([]int32, n)
		req, err = w.Ialltoallv(mpi.Buf(send), sc, sd, mpi.Buf(recv), rc, rd)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		for i := range p {
			if !slices.Equal(recv[rd[i]:rd[i]+rc[i]], slices.Repeat([]int32{int32(i)}, r+1)) {
				t.Fatalf("Ialltoallv from %d: %v", i, recv)
			}
		}
		var scan, exscan int
		v := r + 1
		rq1, err := w.Iscan(mpi.One(&v), mpi.One(&scan), mpi.Sum)
		must(t, err)
		rq2, err := w.Iexscan(mpi.One(&v), mpi.One(&exscan), mpi.Sum)
		must(t, err)
		must(t, mpi.WaitAll(rq1, rq2))
		if scan != (r+1)*(r+2)/2 || r > 0 && exscan != r*(r+1)/2 {
			t.Fatalf("Iscan %d, Iexscan %d at rank %d", scan, exscan, r)
		}
		// ReduceScatter: rank i gets i+1 elements of the sum.
		rcounts := make([]int, p)
		totalRS := 0
		for i := range p {
			rcounts[i] = i + 1
			totalRS += i + 1
		}
		in := make([]float64, totalRS)
		for i := range in {
			in[i] = float64(i*(r+1)) + 0.5
		}
		out := make([]float64, r+1)
		must(t, w.ReduceScatter(mpi.Buf(in), mpi.Buf(out), rcounts, mpi.Sum))
		start := r * (r + 1) / 2
		for k := range out {
			i := start + k
			if want := float64(i*p*(p+1)/2) + 0.5*float64(p); out[k] != want {
				t.Fatalf("ReduceScatter element %d: %v, want %v", i, out[k], want)
			}
		}
		clear(out)
		rq, err := w.IreduceScatter(mpi.Buf(in), mpi.Buf(out), rcounts, mpi.Sum)
		must(t, err)
		_, err = rq.Wait()
		must(t, err)
		if want := float64(start*p*(p+1)/2) + 0.5*float64(p); out[0] != want {
			t.Fatalf("IreduceScatter: %v, want %v", out[0], want)
		}
		wantClass(t, "ReduceScatter with wrong counts", w.ReduceScatter(mpi.Buf(in), mpi.Buf(out), rcounts[1:], mpi.Sum), mpi.ErrBuffer)
		var blk int
		src := make([]int, p)
		for i := range src {
			src[i] = i * r
		}
		rq, err = w.IreduceScatterBlock(mpi.Buf(src), mpi.One(&blk), mpi.Sum)
		must(t, err)
		_, err = rq.Wait()
		must(t, err)
		if blk != r*p*(p-1)/2 {
			t.Fatalf("IreduceScatterBlock: %d", blk)
		}
		// ReduceLocal, with a predefined and a Go op.
		a, b := []int{1, 2, 3}, []int{10, 20, 30}
		must(t, mpi.ReduceLocal(mpi.Buf(a), mpi.Buf(b), mpi.Sum))
		if !slices.Equal(b, []int{11, 22, 33}) {
			t.Fatalf("ReduceLocal Sum: %v", b)
		}
		sub, err := mpi.NewOp(func(x, y int) int { return x - y }, false)
		must(t, err)
		defer sub.Free()
		must(t, mpi.ReduceLocal(mpi.Buf(a), mpi.Buf(b), sub))
		if !slices.Equal(b, []int{-10, -20, -30}) {
			t.Fatalf("ReduceLocal x-y: %v", b)
		}
		wantClass(t, "ReduceLocal of different lengths", mpi.ReduceLocal(mpi.Buf(a), mpi.Buf(b[:2]), mpi.Sum), mpi.ErrBuffer)

		// Alltoallw: to rank j, j+1 float32s from one slice; from rank i, a column of its own matrix.
		f32 := make([]float32, p*(p+1)/2)
		sends, recvs := make([]mpi.Buffer, p), make([]mpi.Buffer, p)
		off := 0
		for j := range p {
			for k := range j + 1 {
				f32[off+k] = float32(100*r + j)
			}
			sends[j] = mpi.Buf(f32[off : off+j+1])
			off += j + 1
		}
		got := make([]float32, p*(r+1))
		for i := range p {
			recvs[i] = mpi.Buf(got[i*(r+1) : (i+1)*(r+1)])
		}
		must(t, w.Alltoallw(sends, recvs))
		for i := range p {
			for k := range r + 1 {
				if got[i*(r+1)+k] != float32(100*i+r) {
					t.Fatalf("Alltoallw from %d: %v", i, got)
				}
			}
		}
		clear(got)
		req, err = w.Ialltoallw(sends, recvs)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		if got[0] != float32(r) {
			t.Fatalf("Ialltoallw: %v", got)
		}
	})
}
