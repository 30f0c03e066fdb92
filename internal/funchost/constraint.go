package funchost

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// constraint is an inline route constraint such as int or range(1,10).
type constraint func(value string) bool

var (
	guidPattern = regexp.MustCompile(
		`^\{?[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}\}?$`)
	alphaPattern = regexp.MustCompile(`^[A-Za-z]+$`)
)

// parseConstraint parses one constraint, "name" or "name(args)".
func parseConstraint(spec string) (constraint, error) {
	name, args, hasArgs := strings.Cut(spec, "(")
	if hasArgs {
		if !strings.HasSuffix(args, ")") {
			return nil, fmt.Errorf("constraint %q has no closing parenthesis", spec)
		}
		args = strings.TrimSuffix(args, ")")
	}

	switch strings.ToLower(name) {
	case "int":
		return isInt(32), nil
	case "long":
		return isInt(64), nil
	case "bool":
		return func(v string) bool {
			return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
		}, nil
	case "guid":
		return guidPattern.MatchString, nil
	case "alpha":
		return alphaPattern.MatchString, nil
	case "decimal", "double", "float":
		return func(v string) bool {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
		}, nil
	case "datetime":
		return isDateTime, nil
	case "required":
		return func(v string) bool { return v != "" }, nil
	case "regex":
		re, err := regexp.Compile("(?i)" + args)
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", spec, err)
		}
		return re.MatchString, nil
	case "min", "max", "range":
		return numberBounds(strings.ToLower(name), args)
	case "minlength", "maxlength", "length":
		return lengthBounds(strings.ToLower(name), args)
	}
	return nil, fmt.Errorf("constraint %q is not supported by the imitation", spec)
}

func isInt(bits int) constraint {
	return func(v string) bool {
		_, err := strconv.ParseInt(v, 10, bits)
		return err == nil
	}
}

func isDateTime(v string) bool {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, v); err == nil {
			return true
		}
	}
	return false
}

// numberBounds builds min(n), max(n) and range(a,b) on 64-bit integers.
func numberBounds(name, args string) (constraint, error) {
	nums, err := parseInts(args)
	if err != nil || (name == "range") != (len(nums) == 2) || (name != "range" && len(nums) != 1) {
		return nil, fmt.Errorf("constraint %s(%s) has bad arguments", name, args)
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch name {
	case "min":
		lo = nums[0]
	case "max":
		hi = nums[0]
	default:
		lo, hi = nums[0], nums[1]
	}
	return func(v string) bool {
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && n >= lo && n <= hi
	}, nil
}

// lengthBounds builds minlength(n), maxlength(n), length(n) and
// length(a,b) on the value's character count.
func lengthBounds(name, args string) (constraint, error) {
	nums, err := parseInts(args)
	ok := err == nil && (len(nums) == 1 || (name == "length" && len(nums) == 2))
	if !ok {
		return nil, fmt.Errorf("constraint %s(%s) has bad arguments", name, args)
	}
	lo, hi := int64(0), int64(math.MaxInt64)
	switch {
	case name == "minlength":
		lo = nums[0]
	case name == "maxlength":
		hi = nums[0]
	case len(nums) == 1:
		lo, hi = nums[0], nums[0]
	default:
		lo, hi = nums[0], nums[1]
	}
	return func(v string) bool {
		n := int64(utf8.RuneCountInString(v))
		return n >= lo && n <= hi
	}, nil
}

func parseInts(args string) ([]int64, error) {
	var nums []int64
	for _, a := range strings.Split(args, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		if err != nil {
			return nil, err
		}
		nums = append(nums, n)
	}
	return nums, nil
}
