//go:build mpich

package usercgo

// #cgo pkg-config: mpich
import "C"
