"""The Qt user interface. Widgets stay thin: logic lives in the libraries and the runner."""
