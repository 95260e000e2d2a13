@echo off
rem The task-orchestrator plugin's launcher on Windows (untested there); bin/task-orchestrator
rem explains the order: this plugin's `program` file, then the data root's, then a private
rem venv made once. Only the program's line of a `program` file is read.
setlocal
set "prog="
if exist "%~dp0..\program" set /p prog=<"%~dp0..\program"
if defined prog if not exist "%prog%" set "prog="
rem The data root as core/root.py finds it.
if defined TASK_ORCHESTRATOR_HOME (
  set "root=%TASK_ORCHESTRATOR_HOME%"
) else if defined LOCALAPPDATA (
  set "root=%LOCALAPPDATA%\task-orchestrator"
) else (
  set "root=%USERPROFILE%\AppData\Local\task-orchestrator"
)
if not defined prog if exist "%root%\program" set /p prog=<"%root%\program"
if defined prog if not exist "%prog%" set "prog="
if not defined prog (
  if not exist "%CLAUDE_PLUGIN_DATA%\venv\Scripts\task-orchestrator.exe" (
    rem A hook fails open; the server's start makes the venv.
    if "%~1"=="hook" exit /b 0
    py -3 "%~dp0bootstrap.py" "%CLAUDE_PLUGIN_DATA%\venv" 1>&2 || exit /b 1
  )
  set "prog=%CLAUDE_PLUGIN_DATA%\venv\Scripts\task-orchestrator.exe"
)
"%prog%" %*
