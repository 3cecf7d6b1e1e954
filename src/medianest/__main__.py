from medianest.startup import main

main()
