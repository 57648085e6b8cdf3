"""An app with timer triggers on every-second schedules: each run appends a line to $TIMER_LOG."""

import json
import os
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _record(function: str, timer: func.TimerRequest) -> None:
    line = {"function": function, "pid": os.getpid(), "at": time.time(), "past_due": timer.past_due,
            "next": timer.schedule_status.get("Next")}
    with open(os.environ["TIMER_LOG"], "a") as log:
        log.write(json.dumps(line) + "\n")


@app.timer_trigger(schedule="* * * * * *", arg_name="timer", run_on_startup=True)
async def tick(timer: func.TimerRequest) -> None:
    _record("tick", timer)


@app.timer_trigger(schedule="*/2 * * * * *", arg_name="timer", run_on_startup=False)
def tock(timer: func.TimerRequest) -> None:
    _record("tock", timer)


@app.route(route="pid", methods=["GET"])
def pid(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"pid": os.getpid()}), mimetype="application/json")
