"""CLI command: serve (the web desk and HTTP API; registered on docgen.cli.app)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import app, console, err


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址；不是本机地址时需要访问令牌（启动时打印）。"),
          port: int = typer.Option(8765, "--port", help="端口。"),
          open_browser: bool = typer.Option(False, "--open", help="启动后用默认浏览器打开。"),
          workspace: Path = typer.Option(Path("docgen-desk"), "--workspace", "-w",
                                         help="工作目录：上传、生成的文件、生成记录和 docgen.toml 都放在这里。"),
          token: Optional[str] = typer.Option(None, "--token", help="访问令牌（默认取 docgen.toml 的 \\[web] token，"
                                                                      "非本机地址时自动生成）。"),
          max_upload: Optional[int] = typer.Option(None, "--max-upload", help="上传文件上限（MB，默认 20）。")):
    """启动网页版：文书模板、填表预览、批量催缴、组卷评分、机构信息、生成记录，以及供 ERP 调用的 HTTP API。"""
    try:
        import uvicorn
        from ..web import create_app
    except ImportError as e:
        err.print(f"[bold red]错误：[/]网页版需要额外的依赖（{e.name}）：pip install 'docgen\\[web]'", highlight=False)
        raise typer.Exit(2)
    application = create_app(workspace, host=host, token=token, max_upload_mb=max_upload)
    tok = application.state.desk.token
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    if tok:
        url += f"?token={tok}"
    console.print(f"docgen 网页版：{url}", highlight=False, markup=False, soft_wrap=True)
    if host in ("0.0.0.0", "::"):
        console.print("其他电脑访问时把 127.0.0.1 换成本机的局域网地址或电脑名。", highlight=False, markup=False)
    console.print(f"工作目录 {application.state.desk.ws.root}；按 Ctrl-C 停止。", highlight=False, markup=False)
    if open_browser:
        import threading
        import webbrowser
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    uvicorn.run(application, host=host, port=port, log_level="warning")
