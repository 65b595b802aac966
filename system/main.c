/* Entry point of kite-system-<target>; everything else is in vl.c. */
int kite_main(int argc, char **argv);

int main(int argc, char **argv)
{
    return kite_main(argc, argv);
}
