module github.com/mpigo/mpigo/bench/gompi

go 1.26

require github.com/sbromberger/gompi v0.1.0
