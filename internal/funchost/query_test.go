package funchost

import "testing"

func TestRebuildQuery(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"", ""},
		{"a=1", "?a=1"},
		{"a=1&a=2", "?a=1%2C2"},
		{"tag=a&other=x&tag=b", "?tag=a%2Cb&other=x"},
		{"A=1&a=2", "?A=1%2C2"},
		{"q=a+b", "?q=a%20b"},
		{"q=a%20b", "?q=a%20b"},
		{"k=a,b", "?k=a%2Cb"},
		{"flag", "?flag="},
		{"code=abc%3D%3D&x=1", "?code=abc%3D%3D&x=1"},
		{"&&a=1&", "?a=1"},
		{"x=%E2%9C%93", "?x=%E2%9C%93"},
		{"x=%zz", "?x=%25zz"},
		{"t=-._~", "?t=-._~"},
		{"path=/a/b?c", "?path=%2Fa%2Fb%3Fc"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := rebuildQuery(tt.raw); got != tt.want {
				t.Errorf("rebuildQuery(%q): got %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}
