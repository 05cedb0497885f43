// The transcription page's keyboard shortcuts, in the shape lib/shortcuts.js reads:
// [action, description key, key combinations]; `null` action: shown in the help only.
export const TRANSCRIBE_SHORTCUTS = [
  ["nextField", "scNextField", ["Enter", "Alt+N"]], // Enter: see transcribe.js
  ["previousField", "scPreviousField", ["Alt+P"]],
  ["illegible", "scIllegible", ["Alt+I"]],
  ["absent", "scAbsent", ["Alt+A"]],
  ["submit", "scSubmit", ["Ctrl+Enter"]],
  ["skip", "scSkip", ["Alt+K"]],
  ["zoomIn", "scZoomIn", ["+", "Alt+="]],
  ["zoomOut", "scZoomOut", ["-", "Alt+-"]],
  ["rotateRight", "scRotateRight", ["R", "Alt+R"]],
  ["rotateLeft", "scRotateLeft", ["Shift+R", "Alt+Shift+R"]],
  ["flip", "scFlip", ["F", "Alt+M"]],
  ["reset", "scReset", ["0", "Alt+0"]],
  ["invert", "scInvert", ["Alt+V"]],
  ["fullscreen", "scFullscreen", ["Alt+X"]],
  ["focusImage", "scFocusImage", ["Alt+1"]],
  ["focusForm", "scFocusForm", ["Alt+2"]],
  ["guide", "scGuide", ["Alt+G"]],
  ["tutorial", "scTutorial", ["Alt+T"]],
  ["discussion", "scDiscussion", ["Alt+D"]],
  ["dismissFeedback", "scDismissFeedback", ["Alt+O"]],
  ["machine", "scMachine", ["Alt+W"]],
  [null, "scPan", ["←", "↑", "→", "↓"]],
  ["help", "scHelp", ["?"]],
];
