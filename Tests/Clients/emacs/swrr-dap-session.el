;;; swrr-dap-session.el --- a whole swrr-dap session driven by Emacs dap-mode, in batch mode  -*- lexical-binding: t; -*-
;;
;; An independently written DAP client (Debian's elpa-dap-mode) against swrr-dap, for CI
;; (Tests/SwrrDAPTests/EmacsDapModeTests.swift runs it):
;;
;;   emacs --batch -l Tests/Clients/emacs/swrr-dap-session.el
;;
;; with SWRR_DAP_BIN (the adapter), SWRR_PROGRAM (Tests/Fixtures/dap/debuggee.c compiled with
;; -g -O0) and SWRR_SOURCE (that source) in the environment. It loads the project's own dap-mode
;; configuration (adapter-manifest/dap-mode.el, which registers the `swrr' debug provider), sets
;; a breakpoint on the loop line of the fixture the way a user does (in the file's buffer),
;; launches, and then, through dap-mode's own requests and events: hits the breakpoint, reads
;; the stack and the loop variable, continues, goes back with reverseContinue and stepBack (DAP
;; requests dap-mode 0.7 has no command for, sent the way its step commands are) checking
;; where each stopped, continues to the end of the recording (the program's exit code), and
;; goes back from there to the last hit of the breakpoint before it disconnects.
;; Then a multi-process recording (SWRR_TREE_TRACE, of Tests/Fixtures/dap/forktree.c, whose
;; source is SWRR_TREE_SOURCE): dap-mode 0.7 has no `startDebugging' (it announces no
;; supportsStartDebuggingRequest, and answers every reverse request as runInTerminal), so
;; swrr-dap keeps one session, and the second child (SWRR_TREE_PROCESS) is debugged through the
;; `:process' launch attribute, the fallback; its threads are listed with the parent's
;; (SWRR_TREE_PARENT).
;; Prints one line per check; exits 0 when all hold, 1 at the first failure or after
;; SWRR_TIMEOUT seconds (default 120) without the awaited event.

(require 'cl-lib)
(require 'package)
(package-initialize)

(defun swrr-test-fail (format-string &rest args)
  (princ (format "FAIL: %s\n" (apply #'format format-string args)))
  (kill-emacs 1))

(condition-case err
    (progn (require 'dap-mode)
           (require 'dap-ui))   ; dap-exception-breakpoints, which dap-mode reads at configuration
  (error (swrr-test-fail "dap-mode cannot be loaded (%s): `make deps' installs the Debian package elpa-dap-mode"
                         (error-message-string err))))

(defvar swrr-test-events nil "Every event swrr-dap sent, newest first: (EVENT . BODY).")
(defvar swrr-test-stops 0 "How many stops dap-mode has acted on (dap-stopped-hook).")
(defvar swrr-test-deadline nil)

(defun swrr-test-env (name)
  (or (getenv name) (swrr-test-fail "the environment variable %s is not set" name)))

(defun swrr-test-check (what ok &optional detail)
  (if ok
      (princ (format "ok: %s\n" what))
    (swrr-test-fail "%s%s" what (if detail (format " (%s)" detail) ""))))

(defun swrr-test-wait (what predicate &optional session)
  "Process events until PREDICATE holds; fail after the deadline, or at once when SESSION
ended meanwhile."
  (while (not (funcall predicate))
    (when (> (float-time) swrr-test-deadline)
      (swrr-test-fail "timed out waiting for %s; events so far: %S" what (reverse (mapcar #'car swrr-test-events))))
    (when (and session (not (dap--session-running session)))
      (swrr-test-fail "the session ended while waiting for %s: %s" what
                      (or (dap--debug-session-error-message session) "no message")))
    (accept-process-output nil 0.05)))

(defun swrr-test-marker-line (source marker)
  "The line of SOURCE ending with the marker L:MARKER."
  (with-temp-buffer
    (insert-file-contents source)
    (goto-char (point-min))
    (unless (re-search-forward (concat "L:" (regexp-quote marker) "$") nil t)
      (swrr-test-fail "no marker L:%s in %s" marker source))
    (line-number-at-pos)))

;; Watch what arrives (dap-mode itself handles every event first).
(advice-add 'dap--on-event :before
            (lambda (_session event)
              (push (cons (gethash "event" event) (gethash "body" event)) swrr-test-events)))
(add-hook 'dap-stopped-hook (lambda (_session) (cl-incf swrr-test-stops)))

(defun swrr-test-last-event (name)
  (cdr (assoc name swrr-test-events)))

(defun swrr-test-resume (session command)
  "Send COMMAND (continue, or a step request) for the stopped thread and wait for the stop
dap-mode acts on. Returns the `stopped' event's body."
  (let ((stops swrr-test-stops))
    (if (equal command "continue")
        (dap-continue session (dap--debug-session-thread-id session))
      (dap--step command session))
    (swrr-test-wait (format "the stop after %s" command) (lambda () (> swrr-test-stops stops)) session)
    (swrr-test-last-event "stopped")))

(defun swrr-test-top-frame (session)
  (let* ((tid (dap--debug-session-thread-id session))
         (body (dap-request session "stackTrace" :threadId tid)))
    (car (gethash "stackFrames" body))))

(defun swrr-test-local (session frame name)
  "The value of local NAME in FRAME, read through scopes and variables."
  (let* ((scopes (gethash "scopes" (dap-request session "scopes" :frameId (gethash "id" frame))))
         (locals (cl-find "Locals" scopes :key (lambda (s) (gethash "name" s)) :test #'equal))
         (vars (gethash "variables" (dap-request session "variables"
                                                 :variablesReference (gethash "variablesReference" locals)))))
    (gethash "value" (cl-find name vars :key (lambda (v) (gethash "name" v)) :test #'equal))))

(defun swrr-test-where (session stop reason line i)
  "Check that STOP has REASON, frame 0 is main at LINE, and the loop variable is I."
  (let ((frame (swrr-test-top-frame session)))
    (swrr-test-check (format "stopped with reason %s at line %d in main, i = %s" reason line i)
                     (and (equal (gethash "reason" stop) reason)
                          (equal (gethash "name" frame) "main")
                          (equal (gethash "line" frame) line)
                          (equal (swrr-test-local session frame "i") i))
                     (format "reason %s, %s line %s, i = %s" (gethash "reason" stop) (gethash "name" frame)
                             (gethash "line" frame) (swrr-test-local session frame "i")))))

(let* ((adapter (swrr-test-env "SWRR_DAP_BIN"))
       (program (swrr-test-env "SWRR_PROGRAM"))
       (source (swrr-test-env "SWRR_SOURCE"))
       (here (file-name-directory (or load-file-name buffer-file-name)))
       (manifest (expand-file-name "../../../adapter-manifest/dap-mode.el" here))
       (loop-line (swrr-test-marker-line source "loop"))
       (for-line (swrr-test-marker-line source "for"))
       (scratch (make-temp-file "swrr-dap-emacs-" t))
       (dap-breakpoints-file (expand-file-name "breakpoints" scratch))
       (dap-auto-show-output nil)
       session)
  (setq swrr-test-deadline (+ (float-time) (string-to-number (or (getenv "SWRR_TIMEOUT") "120"))))
  ;; The project's dap-mode configuration: the `swrr' provider, with the adapter under test.
  (load manifest nil t)
  (setq dap-swrr-debug-program (list adapter))
  (swrr-test-check "adapter-manifest/dap-mode.el registers the swrr debug provider"
                   (gethash "swrr" dap--debug-providers))
  ;; A breakpoint on the loop line, set in the source's buffer as a user does.
  (with-current-buffer (find-file-noselect source)
    (goto-char (point-min))
    (forward-line (1- loop-line))
    (dap-breakpoint-add))
  (dap-debug (list :type "swrr" :request "launch" :name "swrr emacs test" :program program
                   :args [] :stopOnEntry :json-false))
  (setq session (dap--cur-session))
  (swrr-test-check "dap-debug started a session" session)
  (princ (format "adapter pid: %d\n" (process-id (dap--debug-session-proc session))))
  (swrr-test-wait "the first stop" (lambda () (> swrr-test-stops 0)) session)
  (swrr-test-where session (swrr-test-last-event "stopped") "breakpoint" loop-line "0")
  (swrr-test-where session (swrr-test-resume session "continue") "breakpoint" loop-line "1")
  (swrr-test-where session (swrr-test-resume session "continue") "breakpoint" loop-line "2")
  ;; Backwards: the previous hit of the breakpoint, then one line back (the for line's i++).
  (swrr-test-where session (swrr-test-resume session "reverseContinue") "breakpoint" loop-line "1")
  (swrr-test-where session (swrr-test-resume session "stepBack") "step" for-line "0")
  ;; Forward again: the same hit as before going back.
  (swrr-test-where session (swrr-test-resume session "continue") "breakpoint" loop-line "1")
  ;; Without the breakpoint, to the end of the recording.
  (with-current-buffer (find-file-noselect source)
    (dap-breakpoint-delete-all))
  (let ((stop (swrr-test-resume session "continue")))
    (swrr-test-check "the end of the recording is a stop that says so"
                     (and (equal (gethash "reason" stop) "end of recording")
                          (string-match-p "end of the recording" (gethash "description" stop)))
                     (format "%S" stop)))
  (swrr-test-check "the end's description has the recorded exit code 0"
                   (string-match-p "exited with status 0"
                                   (gethash "description" (swrr-test-last-event "stopped")))
                   (gethash "description" (swrr-test-last-event "stopped")))
  (swrr-test-check "the program's recorded output came as output events"
                   (cl-some (lambda (e) (and (equal (car e) "output")
                                             (string-match-p "total 30 fact 24" (or (gethash "output" (cdr e)) ""))))
                            swrr-test-events))
  ;; dap-mode ends a session at `exited'; adapter-manifest/dap-mode.el launches with
  ;; :exitedAtEnd false, so the session stays at the end and can go back from there.
  (swrr-test-check "no exited event at the end: the session is still running"
                   (and (not (assoc "exited" swrr-test-events)) (dap--session-running session)))
  (with-current-buffer (find-file-noselect source)
    (goto-char (point-min))
    (forward-line (1- loop-line))
    (dap-breakpoint-add))
  (swrr-test-where session (swrr-test-resume session "reverseContinue") "breakpoint" loop-line "4")
  (dap-disconnect session)
  (swrr-test-wait "dap-mode to end the session" (lambda () (not (dap--session-running session))))
  (with-current-buffer (find-file-noselect source)
    (dap-breakpoint-delete-all))
  ;; The multi-process recording, through the `:process' fallback.
  (let* ((trace (swrr-test-env "SWRR_TREE_TRACE"))
         (tree-source (swrr-test-env "SWRR_TREE_SOURCE"))
         (child (string-to-number (swrr-test-env "SWRR_TREE_PROCESS")))
         (parent (string-to-number (swrr-test-env "SWRR_TREE_PARENT")))
         (work-line (swrr-test-marker-line tree-source "work"))
         (stops swrr-test-stops)
         tree)
    (with-current-buffer (find-file-noselect tree-source)
      (goto-char (point-min))
      (forward-line (1- work-line))
      (dap-breakpoint-add))
    (dap-debug (list :type "swrr" :request "launch" :name "swrr emacs process tree"
                     :trace trace :process child))
    (setq tree (dap--cur-session))
    (swrr-test-wait "the child's stop" (lambda () (> swrr-test-stops stops)) tree)
    (let* ((stop (swrr-test-last-event "stopped"))
           (frame (swrr-test-top-frame tree))
           (threads (mapcar (lambda (th) (gethash "id" th))
                            (gethash "threads" (dap-request tree "threads")))))
      (swrr-test-check (format "process %d of the tree stopped at its breakpoint in work" child)
                       (and (equal (gethash "reason" stop) "breakpoint")
                            (equal (gethash "threadId" stop) child)
                            (equal (gethash "name" frame) "work"))
                       (format "%S in %s" stop (gethash "name" frame)))
      (swrr-test-check "without startDebugging the one session lists the parent's thread and the child's"
                       (equal (sort threads #'<) (sort (list parent child) #'<))
                       (format "%S" threads)))
    (dap-disconnect tree)
    (swrr-test-wait "dap-mode to end the tree session" (lambda () (not (dap--session-running tree)))))
  (delete-directory scratch t)
  (princ "all checks passed\n")
  (kill-emacs 0))
