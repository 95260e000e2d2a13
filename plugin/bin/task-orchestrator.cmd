@echo off
rem The task-orchestrator plugin's launcher on Windows; bin/task-orchestrator explains the
rem order: this plugin's `program` file, then the data root's, then a private venv made once.
setlocal
set "prog="
if exist "%~dp0..\program" set /p prog=<"%~dp0..\program"
if not defined prog if defined TASK_ORCHESTRATOR_HOME if exist "%TASK_ORCHESTRATOR_HOME%\program" set /p prog=<"%TASK_ORCHESTRATOR_HOME%\program"
if not defined prog if exist "%LOCALAPPDATA%\task-orchestrator\program" set /p prog=<"%LOCALAPPDATA%\task-orchestrator\program"
if not defined prog (
  if not exist "%CLAUDE_PLUGIN_DATA%\venv\Scripts\task-orchestrator.exe" (
    if "%~1"=="hook" exit /b 0
    py -3 "%~dp0bootstrap.py" "%CLAUDE_PLUGIN_DATA%\venv" 1>&2 || exit /b 1
  )
  set "prog=%CLAUDE_PLUGIN_DATA%\venv\Scripts\task-orchestrator.exe"
)
"%prog%" %*
