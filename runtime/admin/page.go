package admin

import "html/template"

// The pages are parsed once, at package initialization, from constant
// text: template.Must can fail only if that text is broken, which every
// test of the package would show, never at run time. They are not mutable
// state: nothing adds to or changes them after parsing, and a template is
// safe for concurrent execution, so all Admin values share them. Parsing
// them per Admin would make New return an error for no gain. html/template
// escapes every value (a uid or a group name is whatever a handler chose).
var (
	debugPage = template.Must(template.New("debug").Funcs(template.FuncMap{"duration": duration}).Parse(debugHTML))
	indexPage = template.Must(template.New("index").Parse(indexHTML))
)

const pageStyle = `<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
th { background: #f3f3f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 13px; }
.muted { color: #777; }
</style>`

const indexHTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gamesrv admin</title>` + pageStyle + `</head><body>
<h1>gamesrv admin</h1>
<ul>
<li><a href="/debug/gamesrv">/debug/gamesrv</a>: server, routes, members, sessions (<a href="/debug/gamesrv.json">JSON</a>)</li>
<li><a href="/healthz">/healthz</a>: readiness</li>
{{if .Metrics}}<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>{{end}}
{{if .Pprof}}<li><a href="/debug/pprof/">/debug/pprof/</a>: Go profiler</li>{{end}}
</ul>
</body></html>
`

const debugHTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Server.ID}} · gamesrv</title>` + pageStyle + `</head><body>
{{with .Server}}
<h1>{{.ID}} <span class="muted">({{.Type}})</span></h1>
<table>
<tr><th>ready</th><td>{{.Ready}}</td></tr>
<tr><th>frontend</th><td>{{.Frontend}}</td></tr>
<tr><th>uptime</th><td>{{duration .UptimeSeconds}}</td></tr>
<tr><th>sessions</th><td class="n">{{.Sessions}}</td></tr>
<tr><th>queued jobs</th><td class="n">{{.QueuedJobs}}</td></tr>
<tr><th>push encodes</th><td class="n">{{.PushEncodes}}</td></tr>
<tr><th>groups</th><td class="n">{{.Groups}}</td></tr>
{{if .LinkAddr}}<tr><th>link</th><td><code>{{.LinkAddr}}</code></td></tr>{{end}}
{{if .GossipAddr}}<tr><th>gossip</th><td><code>{{.GossipAddr}}</code></td></tr>{{end}}
</table>
{{end}}

{{if .Members}}
<h2>Cluster members ({{len .Members}})</h2>
<table>
<tr><th>id</th><th>type</th><th>frontend</th><th>link</th><th>gossip</th><th>version</th><th>weight</th><th>leaving</th></tr>
{{range .Members}}<tr><td>{{.ID}}{{if .Self}} <span class="muted">(self)</span>{{end}}</td><td>{{.Type}}</td><td>{{.Frontend}}</td><td><code>{{.LinkAddr}}</code></td><td><code>{{.GossipAddr}}</code></td><td>{{.Version}}</td><td class="n">{{.Weight}}</td><td>{{.Leaving}}</td></tr>
{{end}}</table>
{{end}}

<h2>Routes ({{len .Routes}})</h2>
<table>
<tr><th>route</th><th>kind</th><th>code</th><th>request</th><th>response</th><th>remote</th></tr>
{{range .Routes}}<tr><td><code>{{.Route}}</code></td><td>{{.Kind}}</td><td class="n">{{if .Code}}{{.Code}}{{end}}</td><td><code>{{.RequestType}}</code></td><td><code>{{.ResponseType}}</code></td><td>{{if .Remote}}remote{{end}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">none: the server has not started</td></tr>
{{end}}</table>

<h2>Groups ({{.GroupsTotal}})</h2>
<table>
<tr><th>group</th><th>members</th></tr>
{{range .Groups}}<tr><td>{{.Name}}</td><td class="n">{{.Size}}</td></tr>
{{else}}<tr><td colspan="2" class="muted">none</td></tr>
{{end}}</table>
{{if gt .GroupsTotal (len .Groups)}}<p class="muted">the first {{len .Groups}} of {{.GroupsTotal}}</p>{{end}}

<h2>Sessions ({{.Server.Sessions}})</h2>
<table>
<tr><th>id</th><th>uid</th><th>network</th><th>remote address</th><th>working</th><th>idle</th></tr>
{{range .Sessions}}<tr><td class="n">{{.ID}}</td><td>{{.UID}}</td><td>{{.Network}}</td><td><code>{{.RemoteAddr}}</code></td><td>{{.Working}}</td><td class="n">{{duration .IdleSeconds}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">none</td></tr>
{{end}}</table>
{{if gt .Server.Sessions (len .Sessions)}}<p class="muted">the first {{len .Sessions}} of {{.Server.Sessions}}</p>{{end}}
</body></html>
`
