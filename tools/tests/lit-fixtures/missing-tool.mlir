// RUN: no-such-tool-anywhere %s
