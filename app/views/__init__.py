"""The window's views: each draws part of a ``ReviewSession`` and sends the reviewer's edits back.

``paper`` (page geometry in millimetres, the grid), ``ecg_plot`` (the traces at true scale) with
its ``plot_scale`` (true scale and zoom), ``plot_filters`` (display filters), ``plot_overlays`` (fiducials,
explanations) and ``calipers``, ``ecg_viewer`` (the plot and its
controls), ``explain`` (the model's image, lead attention, probability bars), ``results``,
``measurements``, ``lab_form`` and ``folder_browser``.
"""
