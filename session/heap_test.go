package session

import (
	"math/rand/v2"
	"testing"
)

// verify checks the heap invariant and every session's index.
func (h expiryHeap) verify(t *testing.T) {
	t.Helper()
	for i, sl := range h {
		if int(sl.s.index) != i {
			t.Fatalf("slot %d holds a session with index %d", i, sl.s.index)
		}
		if i > 0 && h[(i-1)/4].due > sl.due {
			t.Fatalf("slot %d (due %d) is earlier than its parent (due %d)", i, sl.due, h[(i-1)/4].due)
		}
	}
}

func TestHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h expiryHeap
	for step := range 5000 {
		switch op := r.IntN(10); {
		case op < 5 || len(h) == 0:
			s := &Session{index: -1}
			h.push(r.Int64N(1000), s)
		case op < 7:
			min := h[0].due
			s := h.pop()
			if s.index != -1 {
				t.Fatalf("popped session has index %d", s.index)
			}
			for _, sl := range h {
				if sl.due < min {
					t.Fatalf("step %d: popped due %d but %d remains", step, min, sl.due)
				}
			}
		case op < 9:
			i := r.IntN(len(h))
			s := h[i].s
			if got := h.remove(i); got != s || s.index != -1 {
				t.Fatalf("remove(%d) returned the wrong session or kept its index", i)
			}
		default:
			h[0].due += r.Int64N(500)
			h.down(0)
		}
		h.verify(t)
	}
}
