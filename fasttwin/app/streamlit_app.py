"""The script ``streamlit run`` executes (``fasttwin dashboard`` starts it).

``streamlit run streamlit_app.py -- --store STORE`` opens STORE on the
Explore page. Streamlit runs this file as ``__main__``; imported, it does
nothing.
"""

import sys

if __name__ == "__main__":
    from fasttwin.app.ui.main import main

    main(sys.argv[1:])
