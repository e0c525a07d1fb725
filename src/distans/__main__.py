from distans.cli.main import main

raise SystemExit(main())
