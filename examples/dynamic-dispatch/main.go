// Command dynamic-dispatch makes a child for each year asked for: /2009 shows
// its calendar; /abc and / make GetChild fail, which answers 500.
package main

import (
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// Calendar has no static children: GetChild makes one for every year.
type Calendar struct{ resource.Base }

// GetChild returns the page of the year named by the segment.
func (*Calendar) GetChild(name string, r *request.Request) (resource.Resource, error) {
	year, err := strconv.Atoi(name)
	if err != nil {
		return nil, err // the request fails: 500 Processing Failed
	}
	return &YearPage{year: year}, nil
}

// YearPage shows the calendar of one year.
type YearPage struct {
	resource.Base
	year int
}

// RenderGET answers GET with the year's calendar.
func (p *YearPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body><pre>" +
		calendar(p.year) + "</pre>"), nil
}

// calendar lays a year out as Python's calendar.calendar does: three months
// to a row, weeks from Monday, each month 20 characters wide.
func calendar(year int) string {
	out := fmt.Sprintf("%*d\n", (72+len(strconv.Itoa(year)))/2, year)
	for m := time.January; m <= time.December; m += 3 {
		out += "\n"
		a, b, c := month(year, m), month(year, m+1), month(year, m+2)
		for i := range a {
			if line := strings.TrimRight(a[i][1:]+"     "+b[i]+"     "+c[i], " "); line != "" {
				out += line + "\n"
			}
		}
	}
	return out
}

// month returns a month's 8 lines (name, weekdays, 6 weeks), 21 wide each.
func month(year int, m time.Month) []string {
	name := fmt.Sprintf("%*s", 1+(20+len(m.String()))/2, m)
	lines := []string{fmt.Sprintf("%-21s", name), " Mo Tu We Th Fr Sa Su", "", "", "", "", "", ""}
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	skip, last := (int(first.Weekday())+6)%7, first.AddDate(0, 1, -1).Day()
	for i := range 42 {
		day := ""
		if d := i + 1 - skip; d >= 1 && d <= last {
			day = strconv.Itoa(d)
		}
		lines[2+i/7] += fmt.Sprintf(" %2s", day)
	}
	return lines
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	if err := site.New(&Calendar{}).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
