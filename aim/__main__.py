from aim.cli import main

raise SystemExit(main())
