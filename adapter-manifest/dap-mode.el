;;; dap-mode.el --- Emacs dap-mode configuration for swrr-dap  -*- lexical-binding: t; -*-
;;
;; Record-and-replay debugging with swrr through dap-mode. Put swrr-dap on your PATH
;; (make build: .build/release/swrr-dap) and load this file, e.g.
;;   (load "/path/to/swrr/adapter-manifest/dap-mode.el")
;; Launch attributes (exactly those swrr-dap accepts): :program :args :cwd :env :stopOnEntry
;; :trace :record :process :exitedAtEnd.  :program is recorded first, then debugged; :trace
;; debugs a recording; :process picks the process to debug in a recording of several.
;; dap-mode ends a session at the `exited' event, so :exitedAtEnd is false here by default: at
;; the end of the recording the session stays, and you can still go backwards from there.

(require 'dap-mode)

(defcustom dap-swrr-debug-program '("swrr-dap")
  "Command that starts the swrr debug adapter."
  :type '(repeat string)
  :group 'dap-mode)

(defun dap-swrr--populate-start-file-args (conf)
  "Fill in the adapter command of the swrr launch configuration CONF."
  (dap--put-if-absent conf :dap-server-path dap-swrr-debug-program)
  ;; A recording is replayed where it was recorded: swrr-dap refuses :cwd beside :trace.
  (unless (plist-get conf :trace)
    (dap--put-if-absent conf :cwd default-directory))
  (dap--put-if-absent conf :exitedAtEnd :json-false)
  conf)

(dap-register-debug-provider "swrr" #'dap-swrr--populate-start-file-args)

(dap-register-debug-template
 "swrr: record and debug"
 (list :type "swrr"
       :request "launch"
       :name "swrr: record and debug"
       :program nil
       :args []
       :stopOnEntry :json-false))

(dap-register-debug-template
 "swrr: debug a recording"
 (list :type "swrr"
       :request "launch"
       :name "swrr: debug a recording"
       :trace (expand-file-name "latest-trace"
                                (or (getenv "SWRR_TRACE_DIR") "~/.local/share/swrr"))))

(provide 'dap-swrr)
;;; dap-mode.el ends here
