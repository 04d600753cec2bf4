"""WeChat channels: 客服消息 push, mini-program log-in and subscription messages."""

from __future__ import annotations

from flask import Flask

from bot.channels import register_sender
from bot.wechat import subscribe
from bot.wechat.client import LocalTokenStore, RedisTokenStore, WeChatClient
from bot.wechat.replay import make_nonce_store
from bot.wechat.subscribe import SubscriptionNotifier
from bot.wechat.views import bp
from bot.wechat.worker import CHANNEL, WeChatWorker


def init_app(app: Flask) -> None:
    """Create the API client and worker pool, the routes and the sender."""
    config = app.config
    tokens = (
        RedisTokenStore(config["REDIS_URL"], config["WECHAT_APPID"])
        if config["REDIS_URL"]
        else LocalTokenStore()
    )
    client = WeChatClient(
        config["WECHAT_API_BASE"],
        config["WECHAT_APPID"],
        config["WECHAT_SECRET"],
        config["HTTP_TIMEOUT"],
        tokens,
    )
    worker = WeChatWorker(app, client, app.extensions["wenzheng.outbox"], config["WECHAT_WORKERS"])
    app.extensions["wenzheng.wechat"] = worker
    app.extensions["wenzheng.wechat.nonces"] = make_nonce_store(
        config["REDIS_URL"], app.extensions["wenzheng.sessions"]
    )
    app.register_blueprint(bp)
    register_sender(app, CHANNEL, worker.send_later)
    notifier = SubscriptionNotifier(app, worker)
    app.extensions["wenzheng.wechat.subscribe"] = notifier
    register_sender(app, subscribe.CHANNEL, notifier.send_later)
