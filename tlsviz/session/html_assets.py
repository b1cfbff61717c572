"""The style sheet and the small script every HTML handout carries inline.

Everything works without the script: ``<details>`` collapse and expand, the
hex view highlights the field under the pointer with CSS alone (``:has``
picks the innermost field), the print style sheet opens every ``<details>``.
The script only adds comfort: pointing at a row of a field tree lights its
bytes in the hex view above, clicking a byte goes to its field, buttons open
or close every section, and printing opens whatever the reader closed.

The page's Content-Security-Policy admits exactly these two texts, by hash
(see :func:`tlsviz.session.html.csp`): a ``<script>`` or ``<style>`` smuggled
in by a hostile capture would not run even if escaping ever failed.
"""

from __future__ import annotations

CSS = """\
:root{--bg:#fdfdfb;--fg:#1d1f21;--muted:#5b6168;--line:#d5d8dc;--card:#ffffff;
--client:#1f5fae;--client-bg:#e8f0fb;--server:#a4490b;--server-bg:#fbefe6;
--hl:#ffe27a;--hl2:#ffd0e0;--ok:#17752f;--bad:#b3141b;--code:#f3f4f6;--mark:#c7f0c2;
--t0:#e3edf9;--t1:#f6ecdc;--t2:#e2f2e6;--t3:#efe4f5}
@media (prefers-color-scheme:dark){:root{--bg:#16181b;--fg:#e4e6e8;--muted:#9aa1a8;
--line:#3a3f45;--card:#1e2124;--client:#79aef2;--client-bg:#1b2a3d;--server:#f0a46b;
--server-bg:#3a2718;--hl:#6b5a10;--hl2:#5a2036;--ok:#6fd38a;--bad:#ff8a8f;--code:#25292d;
--mark:#2f5a2a;--t0:#1f2d3f;--t1:#3a2e1d;--t2:#1e3325;--t3:#32263b}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
header.page,main,footer.page{max-width:1180px;margin:0 auto;padding:0 18px}
header.page{padding-top:18px}
h1{font-size:1.6em;margin:.3em 0}
h2{font-size:1.35em;margin:1.4em 0 .4em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.12em;margin:1.1em 0 .3em}
h4{font-size:1em;margin:.8em 0 .2em}
a{color:inherit;text-decoration-color:var(--muted)}
a:hover{text-decoration-color:currentColor}
code,.hex,pre,.mono{
font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;
font-size:.88em}
code{background:var(--code);padding:0 .2em;border-radius:3px;word-break:break-all}
pre{background:var(--code);padding:.6em .8em;border-radius:4px;overflow-x:auto;white-space:pre-wrap;
word-break:break-all}
.muted,.meta{color:var(--muted)}
.meta{font-size:.9em;margin:.1em 0 .4em}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}
nav.toc ul{padding-left:1.2em;margin:.3em 0}
nav.toc li{margin:.1em 0}
nav.sections ul{display:flex;flex-wrap:wrap;gap:.2em 1.2em;list-style:none;padding:0}
[id]{scroll-margin-top:3.2em}
table{border-collapse:collapse;margin:.4em 0;width:100%}
th,td{border:1px solid var(--line);padding:.25em .45em;text-align:left;vertical-align:top}
th{background:var(--code);font-weight:600}
table.summary{max-width:60em}
table.summary th{width:13em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
details{margin:.3em 0}
details>summary{cursor:pointer}
details.box>summary{font-weight:600}
p.why{margin:.1em 0 .35em 1.2em;font-size:.9em;color:var(--muted);max-width:62em}
p.about{max-width:62em}
article.conn{border-top:4px solid var(--line);margin-top:2em}
section.msg{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--client);
border-radius:5px;padding:.2em 1em .6em;margin:1.1em 0}
section.msg.from-server{border-left-color:var(--server)}
section.msg:target,li.fld:target>.row,li.fld:target>details>summary .row,tr:target{
outline:3px solid var(--hl);outline-offset:2px}
.dir-client{color:var(--client);font-weight:600}.dir-server{color:var(--server);font-weight:600}
/* the ladder */
ol.ladder{list-style:none;padding:0;margin:.5em 0;max-width:900px}
ol.ladder li{display:grid;grid-template-columns:10em 1fr 10em;align-items:end;min-height:2.6em}
ol.ladder li.head{font-weight:600;align-items:start;min-height:0;
border-bottom:1px solid var(--line)}
ol.ladder li.head span:last-child{text-align:right}
ol.ladder li.flight{border-top:1px dashed var(--line)}
ol.ladder .side{font-size:.8em;color:var(--muted);padding:0 .5em .3em}
ol.ladder .side.r{text-align:right}
ol.ladder a.arrow{display:block;text-decoration:none;text-align:center;position:relative;
padding:.1em 1.2em .15em;border-bottom:2px solid var(--client);color:var(--client)}
ol.ladder li.to-client a.arrow{border-bottom-color:var(--server);color:var(--server)}
ol.ladder li.prot a.arrow{border-bottom:5px double}
ol.ladder a.arrow::after{content:"";position:absolute;bottom:-7px;right:-2px;
border:6px solid transparent;
border-left:10px solid currentColor;border-right:0}
ol.ladder li.to-client a.arrow::after{right:auto;left:-2px;border-right:10px solid currentColor;
border-left:0}
ol.ladder li.prot a.arrow::after{bottom:-9px}
ol.ladder a.arrow:hover{background:var(--hl)}
ol.ladder .keys{display:block;font-size:.75em;color:var(--muted)}
ol.ladder .rt{display:inline-block;font-size:.75em;border:1px solid var(--line);border-radius:8px;
padding:0 .4em;margin-right:.3em}
/* bytes */
.hex{position:relative;white-space:pre;overflow-x:auto;line-height:1.55;background:var(--code);
padding:.5em .7em;
border-radius:4px;margin:.3em 0}
.hex .off{color:var(--muted);margin-right:1.2ch;user-select:none;background:var(--code)}
.hex .f{border-radius:2px}
.hex .t0{background:var(--t0)}.hex .t1{background:var(--t1)}.hex .t2{background:var(--t2)}
.hex .t3{background:var(--t3)}
.hex .f:hover:not(:has(.f:hover)),.hex .f.hot{background:var(--hl);outline:1px solid var(--muted)}
.hex .f.mark{background:var(--mark)}
.hex .cut{display:inline-block;width:0;border-left:2px solid var(--bad);height:1.1em;
vertical-align:middle;margin:0 .3ch 0 -.2ch}
.hex .more{color:var(--muted)}
.pair{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);gap:0 1.2em;
align-items:start}
.pair>.bytes{position:sticky;top:2.6em}
.pair>.bytes .hex{max-height:calc(100vh - 5em);overflow:auto}
@media (max-width:1000px){.pair{display:block}.pair>.bytes{position:static}
.pair>.bytes .hex{max-height:none}}
ol.steps{padding-left:2.6em}
ol.steps>li{margin:.35em 0;padding:.2em 0 .3em;border-bottom:1px dotted var(--line)}
code.val{font-size:.84em}
ul.tree{list-style:none;padding-left:1.1em;margin:.2em 0}
ul.tree>li{margin:.05em 0}
ul.tree details{margin:0}
ul.tree summary{list-style-position:outside}
.row{display:inline;overflow-wrap:anywhere}
.pair>*{min-width:0}
p.mono,dl.cert dd,td{overflow-wrap:anywhere}
.row .fn{font-weight:600;text-decoration:none}
.row .fv{margin-left:.4em}
.row .fx{margin-left:.5em}
.row .at{margin-left:.5em;font-size:.8em;color:var(--muted)}
li.fld>.row:hover,li.fld>details>summary>.row:hover{background:var(--hl2)}
li.fld.mark>.row,li.fld.mark>details>summary>.row{background:var(--mark)}
.rec{border-top:1px dotted var(--line);padding-top:.2em;margin-top:.4em}
table.prot td:first-child{white-space:nowrap;width:12em}
pre.xor{display:inline-block;margin:.3em 0}
.data{margin:.6em 0}
.data figcaption{font-weight:600}
.data.from-client pre{border-left:5px solid var(--client)}
.data.from-server pre{border-left:5px solid var(--server)}
meter{width:8em}
dl.cert{display:grid;grid-template-columns:12em 1fr;gap:.1em .8em;margin:.3em 0}
dl.cert dt{font-weight:600}dl.cert dd{margin:0;word-break:break-word}
.diag{border-left:4px solid var(--bad);padding-left:.6em}
.tools{position:sticky;top:0;background:var(--bg);padding:.3em 0;z-index:1}
.tools button{font:inherit;margin-right:.4em}
section.step{margin:1.5em 0 2em}
.quiz{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:5px;
padding:.2em 1em .5em;margin:.9em 0;background:var(--card)}
ul.options{list-style:none;padding-left:.6em}
aside.target{border:1px dashed var(--muted);border-radius:5px;padding:.2em 1em .4em;margin:.8em 0}
details.answer>summary{font-weight:600;color:var(--ok)}
footer.page{color:var(--muted);font-size:.85em;margin:3em auto 2em}
@media print{
body{background:#fff;color:#000;font-size:10.5pt}
:root{--bg:#fff;--fg:#000;--card:#fff;--code:#f4f4f4;--muted:#444}
details::details-content{content-visibility:visible;display:contents}
details>summary{list-style:none}
details>summary::-webkit-details-marker{display:none}
.tools{display:none}
.quiz,aside.target{break-inside:avoid}
section.msg{break-inside:auto;border-left-width:4px}
ul.tree li,tr,.row,table.prot,pre.xor,dl.cert,ol.ladder li,.rec h4{break-inside:avoid}
h2,h3,h4{break-after:avoid}
.hex{white-space:pre-wrap;overflow:visible;max-height:none!important}
.pair{display:block}.pair>.bytes{position:static}
ol.ladder a.arrow,.hex .f.mark{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{text-decoration:none}
}
"""

JS = """\
(function(){
"use strict";
function bytesOf(row){
  var sec=row.closest("section.msg,.rec");
  if(!sec)return [];
  var f=row.getAttribute("data-f"),box=row.getAttribute("data-in")||"msg";
  return sec.querySelectorAll('.hex[data-in="'+box+'"] .f[data-f="'+f+'"]');
}
function light(row,on){
  var els=bytesOf(row);
  els.forEach(function(el){el.classList.toggle("hot",on);});
  if(on&&els.length){
    var box=els[0].closest(".hex"),top=els[0].offsetTop;
    if(box&&box.scrollHeight>box.clientHeight&&
       (top<box.scrollTop||top>box.scrollTop+box.clientHeight-20)){
      box.scrollTop=Math.max(0,top-box.clientHeight/3);}
  }
}
document.addEventListener("mouseover",function(e){
  var row=e.target.closest&&e.target.closest(".row[data-f]");if(row)light(row,true);});
document.addEventListener("mouseout",function(e){
  var row=e.target.closest&&e.target.closest(".row[data-f]");if(row)light(row,false);});
document.addEventListener("click",function(e){
  var f=e.target.closest&&e.target.closest(".hex .f[data-f]");if(!f)return;
  var hex=f.closest(".hex"),base=hex&&hex.getAttribute("data-base");
  if(base){location.hash=base+"-f"+f.getAttribute("data-f");}
});
var closed=[];
window.addEventListener("beforeprint",function(){
  closed=[].slice.call(document.querySelectorAll("details:not([open])"));
  closed.forEach(function(d){d.open=true;});});
window.addEventListener("afterprint",function(){
  closed.forEach(function(d){d.open=false;});closed=[];});
var bar=document.createElement("div");bar.className="tools";
[["Expand all",true],["Collapse all",false]].forEach(function(b){
  var btn=document.createElement("button");btn.type="button";btn.textContent=b[0];
  btn.addEventListener("click",function(){
    document.querySelectorAll("main details").forEach(function(d){d.open=b[1];});});
  bar.appendChild(btn);});
var main=document.querySelector("main");if(main)main.insertBefore(bar,main.firstChild);
})();
"""
