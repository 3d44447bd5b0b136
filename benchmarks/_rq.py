import time
from problems import classic, mnist_like
from tracer import trace
from tracer.render import render_text, RenderOptions, STYLES
log = trace(classic())
for fmt in ("md","tex"):
    for _ in range(5): render_text(log, fmt, RenderOptions())
    t=time.perf_counter(); n=20
    for _ in range(n): r=render_text(log, fmt, RenderOptions())
    print(fmt, "classic ms", (time.perf_counter()-t)/n*1e3, len(r.text))
big = trace(mnist_like())
for fmt in ("md","tex"):
    t=time.perf_counter(); r=render_text(big, fmt, RenderOptions()); print(fmt, "mnist s", time.perf_counter()-t, len(r.text))
    open(f"/tmp/mnist.{fmt}","w").write(r.text)
