"""The main window's jobs, one module each, composed by ``app.main_window.MainWindow``:
``records`` (open, the folder, recent files, drag and drop), ``reading`` (the record drawn, measured and
prepared for the model as its load job reads it), ``model`` (load the model, score, show the result and its
explanations), ``export`` (save as, PDF report), ``printing`` (File > Print: that report on paper), ``menus``
(the menus and the toolbar), ``screen_fit`` (the window's size, place and splitters on the screen), ``work``
(Esc, and closing with work unfinished)."""
