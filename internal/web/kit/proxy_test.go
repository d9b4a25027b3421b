package kit

import "testing"

func TestForwardedClient(t *testing.T) {
	proxies, err := ParseProxies(" 127.0.0.1, 10.0.0.0/8 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct: the header is the client's claim", "203.0.113.9", []string{"1.2.3.4"}, "203.0.113.9"},
		{"through the proxy", "127.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a forged entry left of the real one", "127.0.0.1", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted hops", "10.1.2.3", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"several header lines", "10.1.2.3", []string{"198.51.100.7", "10.9.9.9"}, "198.51.100.7"},
		{"garbage stops the walk", "127.0.0.1", []string{"198.51.100.7, not-an-ip"}, "127.0.0.1"},
		{"no header", "127.0.0.1", nil, "127.0.0.1"},
		{"only proxies", "127.0.0.1", []string{"10.0.0.5"}, "10.0.0.5"},
		{"IPv6 loopback proxy", "::1", []string{"2001:db8::5"}, "2001:db8::5"},
	}
	for _, c := range cases {
		if got := ForwardedClient(proxies, c.remote, c.xff); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if got := ForwardedClient(nil, "127.0.0.1", []string{"198.51.100.7"}); got != "127.0.0.1" {
		t.Errorf("no trusted proxies configured: %s", got)
	}
	if _, err := ParseProxies("127.0.0.1, localhost"); err == nil {
		t.Error("a host name was accepted as a proxy address")
	}
}
